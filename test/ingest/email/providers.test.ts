import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { EmailParseError } from '../../../src/ingest/email/errors.js';
import {
  fromMailgunForm,
  mailgunInboundFieldsSchema,
  verifyMailgunSignature,
} from '../../../src/ingest/email/providers/mailgun.js';
import {
  fromPostmarkJson,
  postmarkInboundSchema,
} from '../../../src/ingest/email/providers/postmark.js';
import {
  fromSendGridForm,
  sendGridInboundFieldsSchema,
} from '../../../src/ingest/email/providers/sendgrid.js';
import { readWebhookForm, type UploadedFile } from '../../../src/ingest/email/providers/shared.js';
import { listFiles, PARSE_OPTIONS, readEmail, WEBHOOK_DIR } from './fixtures.js';

const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');

async function invalidField(promise: Promise<unknown> | (() => unknown)): Promise<string | null> {
  try {
    await (typeof promise === 'function' ? promise() : promise);
  } catch (error) {
    expect(error).toBeInstanceOf(EmailParseError);
    expect((error as EmailParseError).code).toBe('invalid_payload');
    return (error as EmailParseError).field;
  }
  throw new Error('expected EmailParseError');
}

/** Reads a stored multipart body the way the HTTP layer will: with the platform's form parser. */
async function sendGridFixture(name: string) {
  // The fixtures were saved with LF line endings; on the wire multipart uses CRLF.
  const body = readFileSync(path.join(WEBHOOK_DIR, 'sendgrid-inbound-parse', name), 'utf8').replace(
    /\r?\n/g,
    '\r\n',
  );
  const form = await new Request('http://localhost/webhooks/email/sendgrid', {
    method: 'POST',
    headers: { 'content-type': 'multipart/form-data; boundary=xYzZY' },
    body,
  }).formData();
  return readWebhookForm(form);
}

describe('SendGrid Inbound Parse', () => {
  const fixtures = listFiles(path.join(WEBHOOK_DIR, 'sendgrid-inbound-parse'), '.txt').map((file) =>
    path.basename(file),
  );

  it.each(fixtures.map((name) => [name]))('%s converts', async (name) => {
    const { fields, files } = await sendGridFixture(name);
    expect(sendGridInboundFieldsSchema.safeParse(fields).success).toBe(true);
    const email = await fromSendGridForm(fields, files, PARSE_OPTIONS);
    expect(email.from).toEqual({ address: 'test@example.com', name: 'Example User' });
    expect(email.text.trim()).toBe('Hello Twilio SendGrid!');
    expect(email.html).toContain('<strong>Hello Twilio SendGrid!');
    expect(email.strippedText).toBe('Hello Twilio SendGrid!');
    expect(email.automated).toBe(false);
  });

  it('parsed mode: headers give the date, fields give the rest', async () => {
    const { fields, files } = await sendGridFixture('default_data.txt');
    const email = await fromSendGridForm(fields, files, PARSE_OPTIONS);
    expect(email.subject).toBe('Testing non-raw');
    expect(email.to).toEqual(['inbound@inbound.example.com']);
    expect(email.deliveredTo).toEqual(['inbound@inbound.example.com']);
    expect(email.date?.toISOString()).toBe('2016-08-11T01:10:13.000Z');
    expect(email.attachments).toEqual([]);
  });

  it('raw mode: the MIME message is authoritative, the envelope adds the recipient', async () => {
    const { fields, files } = await sendGridFixture('raw_data_with_attachments.txt');
    const email = await fromSendGridForm(fields, files, { maxAttachmentBytes: 10_000 });
    expect(email.subject).toBe('Inbound Parse Test Raw Data with Attachment');
    expect(email.deliveredTo).toEqual(['inbound@inbound.inbound.com']);
    expect(email.attachments).toEqual([
      {
        filename: 'SendGrid.jpg',
        contentType: 'image/jpeg',
        size: 10295,
        contentId: null,
        sha256: '9ae82dabaf376a6945e2e6f22ce87d0c1de3b65810a21f6abb42dddde3e08afc',
        tooLarge: true,
      },
    ]);
  });

  it('parsed mode: attachment files are described with attachment-info', async () => {
    const form = new FormData();
    form.set(
      'headers',
      'From: Ana <ana@example.com>\r\nTo: support@acme.example\r\nAuto-Submitted: no\r\nMessage-ID: <m1@example.com>\r\n',
    );
    form.set('from', 'Ana <ana@example.com>');
    form.set('to', 'support+k7@acme.example');
    form.set('subject', 'Screenshot');
    form.set('text', 'See attached.');
    form.set(
      'envelope',
      JSON.stringify({ to: ['support+k7@acme.example'], from: 'ana@example.com' }),
    );
    form.set('attachments', '1');
    form.set(
      'attachment-info',
      JSON.stringify({
        attachment1: { filename: 'shot.png', type: 'image/png', 'content-id': 'ii_1' },
      }),
    );
    form.set(
      'attachment1',
      new File([Buffer.from('png-bytes')], 'shot.png', { type: 'image/png' }),
    );
    const wire = await new Request('http://localhost/', { method: 'POST', body: form }).formData();
    const { fields, files } = await readWebhookForm(wire);
    const email = await fromSendGridForm(fields, files, {
      ...PARSE_OPTIONS,
      supportAddress: 'support@acme.example',
    });
    expect(email.messageId).toBe('m1@example.com');
    expect(email.plusToken).toBe('k7');
    expect(email.attachments).toEqual([
      {
        filename: 'shot.png',
        contentType: 'image/png',
        size: 9,
        contentId: 'ii_1',
        sha256: sha256('png-bytes'),
        tooLarge: false,
      },
    ]);
  });

  it('names the invalid field', async () => {
    expect(
      await invalidField(
        fromSendGridForm({ from: 'a@b.example', envelope: '{' }, [], PARSE_OPTIONS),
      ),
    ).toBe('envelope');
    expect(await invalidField(fromSendGridForm({ text: 'hi' }, [], PARSE_OPTIONS))).toBe('from');
    expect(
      await invalidField(
        fromSendGridForm({ from: 'a@b.example', 'attachment-info': '[1]' }, [], PARSE_OPTIONS),
      ),
    ).toBe('attachment-info');
  });
});

describe('Postmark inbound', () => {
  const load = (name: string): unknown =>
    JSON.parse(readFileSync(path.join(WEBHOOK_DIR, 'postmark-inbound', name), 'utf8'));
  const fixtures = listFiles(path.join(WEBHOOK_DIR, 'postmark-inbound'), '.json').map((file) =>
    path.basename(file),
  );

  it.each(fixtures.map((name) => [name]))('%s converts', async (name) => {
    expect(postmarkInboundSchema.safeParse(load(name)).success).toBe(true);
    const email = await fromPostmarkJson(load(name), PARSE_OPTIONS);
    expect(email.from?.address).toMatch(/@/);
    expect(email.messageId).toMatch(/@/);
    expect(email.automated).toBe(false);
  });

  it("prefers the RFC Message-ID header over Postmark's own id", async () => {
    const email = await fromPostmarkJson(load('jpadilla-valid_http_post.json'), PARSE_OPTIONS);
    expect(email.messageId).toBe(
      'CAGXpo2WKfxHWZ5UFYCR3H_J9SNMG+5AXUovfEFL6DjWBJSyZaA@mail.gmail.com',
    );
    expect(email.from).toEqual({ address: 'bob@bob.com', name: 'Bob Bobson' });
    expect(email.cc).toEqual(['sample.cc@emailDomain.com', 'another.cc@emailDomain.com']);
    expect(email.subject).toBe('Hi There');
    expect(email.date?.toISOString()).toBe('2012-04-05T14:59:01.000Z');
    expect(email.text).toBe('\nThis is awesome!\n\n');
    expect(email.strippedText).toBe('This is awesome!');
    expect(email.plusToken).toBe('moitoken');
    expect(email.attachments.map((a) => [a.filename, a.contentType])).toEqual([
      ['chart.png', 'image/png'],
      ['chart2.png', 'image/png'],
    ]);
  });

  it('uses StrippedTextReply, MailboxHash and decodes attachment content', async () => {
    const email = await fromPostmarkJson(load('mvdnbrk-inbound.json'), {
      maxAttachmentBytes: 1000,
    });
    expect(email.messageId).toBe('test-message-id@mail.example.com');
    expect(email.from).toEqual({ address: 'john@example.com', name: 'John Doe' });
    expect(email.to).toEqual(['jane+ahoy@inbound.postmarkapp.com']);
    expect(email.deliveredTo).toEqual(['1234+ahoy@inbound.postmarkapp.com']);
    expect(email.strippedText).toBe('Okay, thank you for testing this inbound message!');
    expect(email.plusToken).toBe('ahoy');
    expect(email.attachments).toEqual([
      // Not base64: the declared length stands and the digest is unknown.
      {
        filename: 'myimage.png',
        contentType: 'image/png',
        size: 4096,
        contentId: 'myimage.png@01CE7342.75E71F80',
        sha256: '',
        tooLarge: true,
      },
      {
        filename: 'test.txt',
        contentType: 'plain/text',
        size: 4,
        contentId: null,
        sha256: sha256('test'),
        tooLarge: false,
      },
    ]);
  });

  it("falls back to Postmark's MessageID and flags auto-replies from Headers", async () => {
    const email = await fromPostmarkJson(
      {
        MessageID: 'b7bc2f4a-e38e-4336-af7d-e6c392c2f817',
        FromFull: { Email: 'ana@example.com', Name: 'Ana' },
        Subject: 'Automatic reply: Your ticket',
        TextBody: 'I am away until Monday.',
        Headers: [{ Name: 'Auto-Submitted', Value: 'auto-replied' }],
      },
      PARSE_OPTIONS,
    );
    expect(email.messageId).toBe('b7bc2f4a-e38e-4336-af7d-e6c392c2f817');
    expect(email.automatedReason).toBe('auto-submitted: auto-replied');
    expect(email.date).toBeNull();
  });

  it('derives text from HtmlBody when TextBody is empty', async () => {
    const email = await fromPostmarkJson(
      { From: 'Ana <ana@example.com>', TextBody: '', HtmlBody: '<div>Refund <b>please</b></div>' },
      PARSE_OPTIONS,
    );
    expect(email.from).toEqual({ address: 'ana@example.com', name: 'Ana' });
    expect(email.text).toBe('Refund please');
  });

  it('names the invalid field', async () => {
    expect(await invalidField(() => fromPostmarkJson({ Subject: 'x' }, PARSE_OPTIONS))).toBe(
      'From',
    );
    expect(
      await invalidField(() =>
        fromPostmarkJson({ From: 'a@b.example', Attachments: {} }, PARSE_OPTIONS),
      ),
    ).toBe('Attachments');
    expect(
      await invalidField(() =>
        fromPostmarkJson({ From: 'a@b.example', ToFull: [{ Name: 'x' }] }, PARSE_OPTIONS),
      ),
    ).toBe('ToFull.0.Email');
    expect(await invalidField(() => fromPostmarkJson('not an object', PARSE_OPTIONS))).toBeNull();
  });
});

describe('Mailgun inbound', () => {
  const screenshot: UploadedFile = {
    fieldName: 'attachment-1',
    filename: 'screen.png',
    contentType: 'image/png',
    size: 2048,
    sha256: 'ab'.repeat(32),
  };

  const parsedRoute = {
    recipient: 'support+T123@acme.example',
    sender: 'ana@example.com',
    from: 'Ana Díaz <ana@example.com>',
    subject: 'Re: Export broken',
    'body-plain': 'Still broken.\n\nOn Tue, Support <support@acme.example> wrote:\n> Try again',
    'body-html': '<p>Still broken.</p>',
    'stripped-text': 'Still broken.',
    'message-headers': JSON.stringify([
      ['Received', 'from mail.example.com by mxa.mailgun.org'],
      ['Message-Id', '<abc@mail.example.com>'],
      ['In-Reply-To', '<out-1@acme.example>'],
      ['References', '<out-0@acme.example> <out-1@acme.example>'],
      ['From', 'Ana =?utf-8?q?D=C3=ADaz?= <ana@example.com>'],
      ['To', 'support+T123@acme.example'],
      ['Subject', 'Re: Export broken'],
      ['Date', 'Tue, 12 Mar 2024 10:15:00 +0100'],
    ]),
    'attachment-count': '1',
    'content-id-map': JSON.stringify({ '<img1@mail.example.com>': 'attachment-1' }),
  };

  it('converts the parsed route fields', async () => {
    expect(mailgunInboundFieldsSchema.safeParse(parsedRoute).success).toBe(true);
    const email = await fromMailgunForm(parsedRoute, [screenshot], {
      ...PARSE_OPTIONS,
      supportAddress: 'support@acme.example',
    });
    expect(email).toMatchObject({
      messageId: 'abc@mail.example.com',
      inReplyTo: 'out-1@acme.example',
      references: ['out-0@acme.example', 'out-1@acme.example'],
      from: { address: 'ana@example.com', name: 'Ana Díaz' },
      to: ['support+T123@acme.example'],
      deliveredTo: ['support+T123@acme.example'],
      subject: 'Re: Export broken',
      text: parsedRoute['body-plain'],
      html: '<p>Still broken.</p>',
      strippedText: 'Still broken.',
      automated: false,
      plusToken: 'T123',
    });
    expect(email.date?.toISOString()).toBe('2024-03-12T09:15:00.000Z');
    expect(email.attachments).toEqual([
      {
        filename: 'screen.png',
        contentType: 'image/png',
        size: 2048,
        contentId: 'img1@mail.example.com',
        sha256: 'ab'.repeat(32),
        tooLarge: false,
      },
    ]);
  });

  it('works from the capitalised fields when message-headers is absent', async () => {
    const { 'message-headers': _headers, 'stripped-text': _stripped, ...rest } = parsedRoute;
    const email = await fromMailgunForm(
      { ...rest, 'Message-Id': '<abc@mail.example.com>', 'In-Reply-To': '<out-1@acme.example>' },
      [],
      PARSE_OPTIONS,
    );
    expect(email.messageId).toBe('abc@mail.example.com');
    expect(email.inReplyTo).toBe('out-1@acme.example');
    expect(email.from?.address).toBe('ana@example.com');
    // Without Mailgun's stripped-text our own stripping applies.
    expect(email.strippedText).toBe('Still broken.');
  });

  it('flags auto-replies from message-headers', async () => {
    const email = await fromMailgunForm(
      {
        ...parsedRoute,
        'message-headers': JSON.stringify([['Auto-Submitted', 'auto-replied']]),
      },
      [],
      PARSE_OPTIONS,
    );
    expect(email.automatedReason).toBe('auto-submitted: auto-replied');
  });

  it('parses body-mime and adds the envelope recipient', async () => {
    const raw = readEmail('talon/standard_replies/gmail.eml').toString('utf8');
    const email = await fromMailgunForm(
      { recipient: 'support@acme.example', sender: 'xxx@gmail.com', 'body-mime': raw },
      [],
      PARSE_OPTIONS,
    );
    expect(email.from?.address).toBe('xxx@gmail.com');
    expect(email.strippedText).toBe('Hello');
    expect(email.deliveredTo).toContain('support@acme.example');
  });

  it('prefers raw bytes for body-mime when the HTTP layer has them', async () => {
    const bytes = readEmail('mail-gem/multi_charset/japanese_shift_jis.eml');
    const lossy = bytes.toString('utf8');
    const email = await fromMailgunForm({ 'body-mime': lossy }, [], {
      ...PARSE_OPTIONS,
      rawMime: bytes,
    });
    expect(email.text).toContain('このメールはテスト用のメールです。');
  });

  it('names the invalid field', async () => {
    expect(await invalidField(fromMailgunForm({ subject: 'x' }, [], PARSE_OPTIONS))).toBe('from');
    expect(
      await invalidField(
        fromMailgunForm({ ...parsedRoute, 'message-headers': 'nope' }, [], PARSE_OPTIONS),
      ),
    ).toBe('message-headers');
    expect(
      await invalidField(
        fromMailgunForm({ ...parsedRoute, 'attachment-count': 'x' }, [], PARSE_OPTIONS),
      ),
    ).toBe('attachment-count');
    expect(
      await invalidField(
        fromMailgunForm({ ...parsedRoute, 'content-id-map': '[]' }, [], PARSE_OPTIONS),
      ),
    ).toBe('content-id-map');
  });
});

describe('verifyMailgunSignature', () => {
  // Computed independently: printf %s "$timestamp$token" | openssl dgst -sha256 -hmac "$key"
  const signingKey = 'key-3ax6xnjp29jd6fds4gc373sgvjxteol0';
  const timestamp = '1529006854';
  const token = 'a8ce0edb2dd8301dee6c2405235584e45aa91d1e9f979f3de0';
  const signature = 'b63c0701c4f4b614f272106a1b367c5c3369bcdca664ae73ebd52787e45eef07';
  const at = (seconds: number) => new Date((Number(timestamp) + seconds) * 1000);
  const base = { signingKey, timestamp, token, signature, now: at(10) };

  it.each([
    ['a genuine request', base, { ok: true }],
    ['upper-case hex', { ...base, signature: signature.toUpperCase() }, { ok: true }],
    [
      'a wrong key',
      { ...base, signingKey: 'key-0000000000000000000000000000000' },
      { ok: false, reason: 'bad_signature' },
    ],
    [
      'a tampered token',
      { ...base, token: `${token.slice(0, -1)}1` },
      { ok: false, reason: 'bad_signature' },
    ],
    [
      'a tampered timestamp',
      { ...base, timestamp: '1529006855', now: at(10) },
      { ok: false, reason: 'bad_signature' },
    ],
    [
      'a truncated signature',
      { ...base, signature: signature.slice(0, 32) },
      { ok: false, reason: 'bad_signature' },
    ],
    [
      'a non-hex signature',
      { ...base, signature: 'z'.repeat(64) },
      { ok: false, reason: 'bad_signature' },
    ],
    ['an old request', { ...base, now: at(121) }, { ok: false, reason: 'stale' }],
    ['a request from the future', { ...base, now: at(-121) }, { ok: false, reason: 'stale' }],
    [
      'an old request within a wider window',
      { ...base, now: at(121), maxAgeSeconds: 300 },
      { ok: true },
    ],
    ['a missing signature', { ...base, signature: undefined }, { ok: false, reason: 'missing' }],
    ['a missing token', { ...base, token: '' }, { ok: false, reason: 'missing' }],
    ['a missing key', { ...base, signingKey: '' }, { ok: false, reason: 'missing' }],
  ])('%s', (_label, input, expected) => {
    expect(verifyMailgunSignature(input)).toEqual(expected);
  });
});
