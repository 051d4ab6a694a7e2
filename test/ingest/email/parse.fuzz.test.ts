import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { EmailParseError } from '../../../src/ingest/email/errors.js';
import { parseRawEmail } from '../../../src/ingest/email/parse.js';
import { stripQuotedReply } from '../../../src/ingest/email/reply-strip.js';
import type { InboundEmail } from '../../../src/ingest/email/types.js';
import { warmThreads } from '../../support/threads.js';

const OPTIONS = { maxAttachmentBytes: 1024, supportAddress: 'support@acme.example' };

/** Parses and checks the outcome is an InboundEmail or an EmailParseError, nothing else. */
async function parseOutcome(raw: Buffer): Promise<InboundEmail | EmailParseError> {
  try {
    const email = await parseRawEmail(raw, OPTIONS);
    expect(typeof email.text).toBe('string');
    expect(email.text).not.toContain('\r');
    expect(email.text).not.toContain('\u0000');
    expect(typeof email.strippedText).toBe('string');
    expect(typeof email.subject).toBe('string');
    expect(email.date === null || !Number.isNaN(email.date.getTime())).toBe(true);
    for (const attachment of email.attachments) {
      expect(attachment).not.toHaveProperty('content');
      expect(attachment.size).toBeGreaterThanOrEqual(0);
    }
    if (email.plusToken !== null) expect(email.plusToken).toMatch(/^[A-Za-z0-9_-]{1,64}$/);
    return email;
  } catch (error) {
    expect(error).toBeInstanceOf(EmailParseError);
    return error as EmailParseError;
  }
}

const HEADER_NAMES = [
  'From',
  'To',
  'Cc',
  'Subject',
  'Date',
  'Message-ID',
  'In-Reply-To',
  'References',
  'Content-Type',
  'Content-Transfer-Encoding',
  'Content-Disposition',
  'Auto-Submitted',
  'Precedence',
  'Return-Path',
  'Delivered-To',
  'List-Id',
  'X-Autoreply',
  'MIME-Version',
];

const headerValue = fc.oneof(
  fc.string({ maxLength: 80 }),
  fc.string({ unit: 'binary', maxLength: 80 }),
  fc.constantFrom(
    '=?utf-8?B?w6TDtsO8?=',
    '=?utf-8?B?broken',
    '=?x-unknown?Q?=FF=FE?=',
    '<>',
    '<a@b> <c@d>, <broken',
    'multipart/mixed; boundary=',
    'multipart/report; report-type=delivery-status; boundary="x"',
    'text/plain; charset=iso-2022-jp',
    'text/plain; charset=nonexistent-charset',
    'base64',
    'quoted-printable',
    "attachment; filename*0*=utf-8''%E3%81; filename*1=x",
    '"Ann" <support+tok@acme.example>, undisclosed-recipients:;',
    'Thu, 99 Foo 20x1 25:61:61 +9999',
    'auto-replied',
    'bulk',
  ),
);

const headerSoup = fc
  .tuple(
    fc.array(fc.tuple(fc.constantFrom(...HEADER_NAMES), headerValue), { maxLength: 25 }),
    fc.constantFrom('\r\n', '\n', '\r'),
    fc.string({ maxLength: 400 }),
  )
  .map(([headers, eol, body]) =>
    Buffer.from(headers.map(([name, value]) => `${name}: ${value}`).join(eol) + eol + eol + body),
  );

const BOUNDARY = 'b';
const nestedMime = fc
  .tuple(
    fc.integer({ min: 1, max: 120 }),
    fc.constantFrom('mixed', 'alternative', 'related', 'report', 'signed', 'digest'),
    fc.boolean(),
    fc.string({ maxLength: 200 }),
  )
  .map(([depth, subtype, closeParts, leaf]) => {
    let body = `Content-Type: text/plain; charset=utf-8\r\n\r\n${leaf}\r\n`;
    for (let level = depth; level > 0; level--) {
      const boundary = `${BOUNDARY}${level}`;
      body =
        `Content-Type: multipart/${subtype}; boundary="${boundary}"\r\n\r\n` +
        `--${boundary}\r\n${body}` +
        (closeParts ? `--${boundary}--\r\n` : '');
    }
    return Buffer.from(`From: Ann <ann@example.com>\r\nSubject: nested\r\n${body}`);
  });

const BASE64_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=';
const brokenBase64 = fc
  .tuple(
    fc.string({
      unit: fc.constantFrom(...`${BASE64_ALPHABET}!*\r\n -_.`.split('')),
      maxLength: 3000,
    }),
    fc.constantFrom('text/plain; charset=utf-8', 'text/html', 'application/pdf', 'image/png'),
    fc.constantFrom('base64', 'quoted-printable', 'x-uuencode', '8bit'),
    fc.boolean(),
  )
  .map(([payload, contentType, encoding, asAttachment]) =>
    Buffer.from(
      [
        'From: Ann <ann@example.com>',
        'Subject: attachment',
        'Content-Type: multipart/mixed; boundary="z"',
        '',
        '--z',
        'Content-Type: text/plain',
        '',
        'see attached',
        '--z',
        `Content-Type: ${contentType}; name="f.bin"`,
        `Content-Transfer-Encoding: ${encoding}`,
        asAttachment ? 'Content-Disposition: attachment; filename="f.bin"' : 'X-Nothing: 1',
        '',
        payload,
        '--z--',
        '',
      ].join('\r\n'),
    ),
  );

describe('parseRawEmail on hostile input', () => {
  it('random bytes give an InboundEmail or an EmailParseError', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 4000 }), async (bytes) => {
        await parseOutcome(Buffer.from(bytes));
      }),
      { numRuns: 200 },
    );
  });

  it('header soup gives an InboundEmail or an EmailParseError', async () => {
    await fc.assert(
      fc.asyncProperty(headerSoup, async (raw) => {
        await parseOutcome(raw);
      }),
      { numRuns: 300 },
    );
  });

  it('deep MIME nesting is parsed without blowing the stack', async () => {
    await fc.assert(
      fc.asyncProperty(nestedMime, async (raw) => {
        await parseOutcome(raw);
      }),
      { numRuns: 60 },
    );
  });

  it("keeps the headers of a message past the parser's part limit", async () => {
    let body = 'Content-Type: text/plain\r\n\r\nbottom\r\n';
    for (let level = 1000; level > 0; level--) {
      body = `Content-Type: multipart/mixed; boundary="n${level}"\r\n\r\n--n${level}\r\n${body}--n${level}--\r\n`;
    }
    const outcome = await parseOutcome(
      Buffer.from(`From: a@b.example\r\nSubject: deep\r\n${body}`),
    );
    expect(outcome).not.toBeInstanceOf(EmailParseError);
    expect(outcome).toMatchObject({ subject: 'deep', from: { address: 'a@b.example' }, text: '' });
  });

  it('broken transfer encodings give an InboundEmail', async () => {
    await fc.assert(
      fc.asyncProperty(brokenBase64, async (raw) => {
        const outcome = await parseOutcome(raw);
        expect(outcome).not.toBeInstanceOf(EmailParseError);
      }),
      { numRuns: 150 },
    );
  });
});

describe('stripQuotedReply on hostile input', () => {
  const tricky = fc.string({
    unit: fc.constantFrom(
      ...' \t\n>-_=*:<>@.0123456789aOnwrote'.split(''),
      'On ',
      ' wrote:',
      'From: ',
      'Sent: ',
      '-----Original Message-----',
      '> ',
      '-- \n',
      'Sent from my iPhone',
      '2014 from <',
    ),
    maxLength: 5000,
  });

  it('always returns text, quickly', () => {
    fc.assert(
      fc.property(tricky, (text) => {
        const started = performance.now();
        const stripped = stripQuotedReply(text);
        expect(typeof stripped).toBe('string');
        expect(performance.now() - started).toBeLessThan(1000);
      }),
      { numRuns: 300 },
    );
  });
});

describe('parseRawEmail on oversized input', () => {
  // Large inputs are parsed on worker threads; their start-up is not what these bounds measure.
  beforeAll(() => warmThreads());

  const head = 'From: a@b.example\r\nSubject: big\r\n';
  const timed = async (raw: string) => {
    const started = performance.now();
    const email = await parseRawEmail(Buffer.from(raw), OPTIONS);
    return { email, ms: performance.now() - started };
  };

  it('converts deeply nested HTML without the quadratic parser', async () => {
    const html = `${'<div>'.repeat(100_000)}Refund please${'</div>'.repeat(100_000)}`;
    const { email, ms } = await timed(`${head}Content-Type: text/html\r\n\r\n${html}`);
    expect(email.text).toContain('Refund please');
    expect(ms).toBeLessThan(5_000);
  });

  it('keeps the newest 100 of 50,000 references, quickly', async () => {
    const references = Array.from({ length: 50_000 }, (_, i) => `<m${i}@x>`).join(' ');
    const { email, ms } = await timed(`${head}References: ${references}\r\n\r\nbody`);
    expect(email.references).toHaveLength(100);
    expect(email.references.at(-1)).toBe('m49999@x');
    expect(ms).toBeLessThan(5_000);
  });

  it('survives whitespace floods in the body and the Date header', async () => {
    const { email, ms } = await timed(
      `From: a@b.example\r\nDate: ${' '.repeat(100_000)}x\r\n\r\n${' '.repeat(1_000_000)}x`,
    );
    expect(email.date).toBeNull();
    // Compared as a boolean: a failing toBe would diff megabyte strings.
    expect(email.strippedText === 'x').toBe(true);
    expect(ms).toBeLessThan(5_000);
  });
});
