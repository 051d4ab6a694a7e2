import { randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../src/auth/api-keys.js';
import { listMessages } from '../../src/db/queries/tickets.js';
import { fileTestApp } from '../support/fixtures.js';
import { countRows } from '../support/rows.js';
import { warmThreads } from '../support/threads.js';
import {
  deepJson,
  deeplyNestedMime,
  expandingEncodings,
  giantHeaders,
  hostileThreadHeaders,
  hugeJsonArray,
  longLine,
  manyAttachments,
  PROMPT_INJECTIONS,
  pathologicalHtmlEmail,
  UNICODE_EDGE_CASES,
} from './corpus.js';
import { basicAuth, measured } from './support.js';

/**
 * The hostile-input corpus through the real endpoints: each input ends as a stored ticket or a
 * clear 4xx envelope, never a 5xx or a partial write, within a time and memory bound. The bounds
 * are generous for a loaded CI machine; each input is a few MB at most.
 */
const { deps, app } = await fileTestApp();
let key: string;
const TIME_MS = 5_000;
// Different characters, so that Postgres cannot compress the value below its index row limit.
const RANDOM_LOCAL = randomBytes(2_250).toString('base64url');
const WIDE_ID = Array.from({ length: 990 }, (_, i) => String.fromCharCode(0x4e00 + i * 7)).join('');
const RSS_MB = 300;

beforeAll(async () => {
  key = (await createApiKey(deps.db, { name: 'hostile', role: 'integration' })).key;
  await warmThreads();
});

async function expectBoundedOutcome(send: () => Promise<Response>) {
  const before = await countRows(deps.db);
  const { result: res, ms, rssGrowthMb } = await measured(send);
  const text = await res.text();
  expect(res.status, text.slice(0, 300)).toBeLessThan(500);
  expect(ms).toBeLessThan(TIME_MS);
  expect(rssGrowthMb).toBeLessThan(RSS_MB);
  if (res.status >= 400) {
    expect(JSON.parse(text)).toMatchObject({
      error: { code: expect.any(String), requestId: expect.any(String) },
    });
    expect(await countRows(deps.db)).toEqual(before);
    return null;
  }
  return JSON.parse(text) as { ticketId: string | null };
}

const raw = (body: Buffer) => () =>
  Promise.resolve(
    app.request('/webhooks/email/raw', {
      method: 'POST',
      headers: { 'content-type': 'message/rfc822', ...basicAuth },
      body,
    }),
  );

const generic = (body: string) => () =>
  Promise.resolve(
    app.request('/webhooks/tickets', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body,
    }),
  );

describe('hostile email through /webhooks/email/raw', () => {
  it.each([
    ['2,000 nested multipart levels', () => deeplyNestedMime(2_000)],
    ['10,000 attachments', () => manyAttachments(10_000)],
    ['a 1 MB folded header and 20,000 repeated headers', () => giantHeaders(1_000_000, 20_000)],
    ['a 5 MB line', () => longLine(5_000_000)],
    ['expanding base64 and quoted-printable', () => expandingEncodings(3_000_000)],
    ['50,000 unclosed HTML elements', () => pathologicalHtmlEmail(50_000)],
    [
      'References and In-Reply-To of 5,000 ids',
      () => hostileThreadHeaders({ id: 'refs', count: 5_000 }),
    ],
    [
      'a 200,000-character subject',
      () => hostileThreadHeaders({ id: 'subject', subjectChars: 200_000 }),
    ],
    [
      'a Message-ID of 990 distinct three-byte characters',
      () => hostileThreadHeaders({ id: 'wide', messageId: `<${WIDE_ID}@x>` }),
    ],
    [
      'a sender address of 3,000 random characters',
      () => hostileThreadHeaders({ id: 'sender', from: `<${RANDOM_LOCAL}@example.org>` }),
    ],
    [
      'a Message-ID of 100,000 characters',
      () => hostileThreadHeaders({ id: 'long', messageId: `<${'a'.repeat(100_000)}@x>` }),
    ],
    [
      'a Message-ID of brackets only',
      () => hostileThreadHeaders({ id: 'brackets', messageId: '<<<>>> <> (comment) <@>' }),
    ],
    [
      'a Message-ID with control characters',
      () => hostileThreadHeaders({ id: 'ctl', messageId: '<a\u0000b\u0001c@x>' }),
    ],
  ])('%s', async (_name, build) => {
    const result = await expectBoundedOutcome(raw(build()));
    if (result?.ticketId) {
      const messages = await listMessages(deps.db, result.ticketId);
      expect(messages.length).toBeGreaterThan(0);
      expect(messages[0]!.strippedText.length).toBeLessThanOrEqual(32_000);
    }
  });
});

const postmark = (over: Record<string, unknown>) => () =>
  Promise.resolve(
    app.request('/webhooks/email/postmark', {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...basicAuth },
      body: JSON.stringify({
        FromFull: { Email: 'mo@example.org', Name: 'Mo' },
        ToFull: [{ Email: 'support@deskpilot.test' }],
        Subject: 'hostile',
        TextBody: 'Where is my refund?',
        MessageID: randomBytes(8).toString('hex'),
        ...over,
      }),
    }),
  );

describe('hostile threading headers through /webhooks/email/postmark', () => {
  const header = (Name: string, Value: string) => ({ Headers: [{ Name, Value }] });
  it.each([
    ['a Message-ID of 990 distinct three-byte characters', header('Message-ID', `<${WIDE_ID}@x>`)],
    ['a provider MessageID of 990 three-byte characters', { MessageID: WIDE_ID }],
    [
      'a sender address of 990 three-byte characters',
      { FromFull: { Email: `${WIDE_ID}@example.org` } },
    ],
    [
      'a sender address of 5,000 characters',
      { FromFull: { Email: `${'m'.repeat(5_000)}@example.org` } },
    ],
    [
      'References of 5,000 ids',
      header('References', Array.from({ length: 5_000 }, (_, i) => `<r${i}@x>`).join(' ')),
    ],
    ['In-Reply-To of 990 three-byte characters', header('In-Reply-To', `<${WIDE_ID}@x>`)],
    ['a 200,000-character subject', { Subject: 'S'.repeat(200_000) }],
  ])('%s', async (_name, over) => {
    const result = await expectBoundedOutcome(postmark(over));
    if (result) expect(result.ticketId).toBeTruthy();
  });
});

describe('hostile JSON through /webhooks/tickets', () => {
  it.each([
    ['JSON nested 100,000 levels', () => deepJson(100_000)],
    ['a 900 KB array', () => hugeJsonArray(900_000)],
  ])('%s is refused with a 4xx envelope', async (_name, build) => {
    expect(await expectBoundedOutcome(generic(build()))).toBeNull();
  });

  it.each(Object.entries(UNICODE_EDGE_CASES))(
    'Unicode edge case %s is stored',
    async (_name, text) => {
      const result = await expectBoundedOutcome(
        generic(
          JSON.stringify({
            eventId: randomBytes(6).toString('hex'),
            ticket: { externalId: randomBytes(6).toString('hex'), subject: text.slice(0, 900) },
            requester: { name: text.slice(0, 200) },
            message: { body: text },
          }),
        ),
      );
      expect(result?.ticketId).toBeTruthy();
      const [message] = await listMessages(deps.db, result!.ticketId!);
      expect(message!.bodyText).not.toContain('\u0000');
    },
  );

  it.each(PROMPT_INJECTIONS)('a prompt injection is stored as data: %j', async (text) => {
    const result = await expectBoundedOutcome(
      generic(
        JSON.stringify({
          eventId: randomBytes(6).toString('hex'),
          ticket: { externalId: randomBytes(6).toString('hex'), subject: 'Question' },
          requester: { email: 'inj@example.org' },
          message: { body: text },
        }),
      ),
    );
    const [message] = await listMessages(deps.db, result!.ticketId!);
    expect(message!.bodyText).toBe(text);
  });
});
