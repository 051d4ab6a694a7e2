import { createHmac, randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../../../src/auth/api-keys.js';
import { MAILGUN_KEY } from '../../../support/deps.js';
import { fileTestApp } from '../../../support/fixtures.js';
import { countRows } from '../../../support/rows.js';
import { signedZendeskRequest, zendeskTicketCreated } from '../../../support/zendesk.js';

/**
 * Property: whatever arrives, every webhook answers below 500, and a refused request writes
 * nothing (no partial ticket, message or outbox row).
 */
const { deps, app } = await fileTestApp();
let apiKey: string;
const basic = { authorization: `Basic ${Buffer.from('inbound:s3cret-pass').toString('base64')}` };

beforeAll(async () => {
  apiKey = (await createApiKey(deps.db, { name: 'prop', role: 'integration' })).key;
});

async function check(init: () => [string, RequestInit]) {
  const before = await countRows(deps.db);
  const [url, req] = init();
  const res = await app.request(url, req);
  const text = await res.text();
  expect(res.status, text).toBeLessThan(500);
  if (res.status >= 400) {
    expect(JSON.parse(text)).toMatchObject({
      error: { code: expect.any(String), requestId: expect.any(String) },
    });
    expect(await countRows(deps.db)).toEqual(before);
  }
}

const jsonish = fc.oneof(
  fc.json(),
  fc.string(),
  fc.jsonValue().map((v) => JSON.stringify({ eventId: 'x', ticket: v, message: v })),
  fc.constant('{"a":'.repeat(2_000)),
  fc.constant(`${'['.repeat(5_000)}${']'.repeat(5_000)}`),
);

const runs = { numRuns: 40 };

describe('hostile input never causes a 500 or a partial write', () => {
  it('POST /webhooks/tickets', async () => {
    await fc.assert(
      fc.asyncProperty(jsonish, async (body) =>
        check(() => [
          '/webhooks/tickets',
          {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}` },
            body,
          },
        ]),
      ),
      runs,
    );
  });

  it('POST /webhooks/zendesk (validly signed garbage and mutated events)', async () => {
    const mutated = fc
      .record({
        path: fc.constantFrom('detail', 'event', 'type', 'id', 'detail.id', 'detail.subject'),
        value: fc.jsonValue(),
      })
      .map(({ path, value }) => {
        const e = zendeskTicketCreated(String(Math.floor(Math.random() * 1e9))) as Record<
          string,
          unknown
        >;
        const [a, b] = path.split('.');
        if (b) (e[a!] as Record<string, unknown>)[b] = value;
        else e[a!] = value;
        return JSON.stringify(e);
      });
    await fc.assert(
      fc.asyncProperty(fc.oneof(jsonish, mutated), async (raw) =>
        check(() => ['/webhooks/zendesk', signedZendeskRequest(null, { rawBody: raw })]),
      ),
      runs,
    );
  });

  it('POST /webhooks/email/raw (MIME soup)', async () => {
    const header = fc.tuple(
      fc.constantFrom(
        'From',
        'To',
        'Subject',
        'Message-ID',
        'In-Reply-To',
        'References',
        'Content-Type',
        'Content-Transfer-Encoding',
        'Auto-Submitted',
        'X-Weird',
      ),
      fc.string({ maxLength: 200 }),
    );
    const mime = fc
      .record({
        headers: fc.array(header, { maxLength: 12 }),
        body: fc.oneof(fc.string({ maxLength: 2_000 }), fc.base64String({ maxLength: 2_000 })),
        nest: fc.nat({ max: 60 }),
      })
      .map(({ headers, body, nest }) => {
        let text = body;
        for (let i = 0; i < nest; i++) {
          text = `Content-Type: multipart/mixed; boundary="b${i}"\r\n\r\n--b${i}\r\n${text}\r\n--b${i}--`;
        }
        return `${headers.map(([k, v]) => `${k}: ${v.replace(/[\r\n]/g, ' ')}`).join('\r\n')}\r\n${text}`;
      });
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          mime,
          fc.uint8Array({ maxLength: 4_000 }).map((b) => Buffer.from(b).toString('latin1')),
        ),
        async (body) =>
          check(() => [
            '/webhooks/email/raw',
            { method: 'POST', headers: { 'content-type': 'message/rfc822', ...basic }, body },
          ]),
      ),
      runs,
    );
  });

  it('POST /webhooks/email/sendgrid and /postmark', async () => {
    const multipart = fc
      .array(fc.tuple(fc.string({ maxLength: 20 }), fc.string({ maxLength: 500 })), {
        maxLength: 8,
      })
      .map(
        (parts) =>
          `${parts.map(([name, value]) => `--xYzZY\r\nContent-Disposition: form-data; name="${name.replace(/["\r\n]/g, '')}"\r\n\r\n${value}\r\n`).join('')}--xYzZY--\r\n`,
      );
    await fc.assert(
      fc.asyncProperty(fc.oneof(multipart, fc.string()), jsonish, async (form, json) => {
        await check(() => [
          '/webhooks/email/sendgrid',
          {
            method: 'POST',
            headers: { 'content-type': 'multipart/form-data; boundary=xYzZY', ...basic },
            body: form,
          },
        ]);
        await check(() => [
          '/webhooks/email/postmark',
          { method: 'POST', headers: { 'content-type': 'application/json', ...basic }, body: json },
        ]);
      }),
      runs,
    );
  });

  it('POST /webhooks/email/mailgun (validly signed random fields)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.dictionary(
          fc.constantFrom(
            'from',
            'sender',
            'subject',
            'body-plain',
            'body-html',
            'Message-Id',
            'message-headers',
            'body-mime',
            'recipient',
            'In-Reply-To',
          ),
          fc.string({ maxLength: 300 }),
        ),
        async (fields) => {
          const timestamp = String(Math.floor(Date.now() / 1000));
          const token = randomBytes(16).toString('hex');
          const signature = createHmac('sha256', MAILGUN_KEY)
            .update(timestamp + token)
            .digest('hex');
          await check(() => [
            '/webhooks/email/mailgun',
            {
              method: 'POST',
              headers: { 'content-type': 'application/x-www-form-urlencoded' },
              body: new URLSearchParams({ ...fields, timestamp, token, signature }).toString(),
            },
          ]);
        },
      ),
      runs,
    );
  });
});
