import { createHmac, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createApp } from '../../../../src/app.js';
import { createTestDeps, MAILGUN_KEY } from '../../../support/deps.js';
import { fileTestApp } from '../../../support/fixtures.js';
import { countRows } from '../../../support/rows.js';

/**
 * Finding 4: Mailgun posts are authenticated before the body is parsed. A large unsigned post is
 * refused without materialising it (it used to be parsed whole first, ≈ 870 MB for 25 MB).
 */
const { deps, app } = await fileTestApp({ MAX_EMAIL_BYTES: String(25 * 1024 * 1024) });
const BOUNDARY = 'mgboundary';

function part(name: string, value: string, filename?: string): string {
  const disposition = filename
    ? `form-data; name="${name}"; filename="${filename}"\r\nContent-Type: application/octet-stream`
    : `form-data; name="${name}"`;
  return `--${BOUNDARY}\r\nContent-Disposition: ${disposition}\r\n\r\n${value}\r\n`;
}

function signature(timestamp: string, token: string, key = MAILGUN_KEY) {
  return createHmac('sha256', key)
    .update(timestamp + token)
    .digest('hex');
}

/** A streamed multipart body: `head` parts, `filler` MB of attachment, `tail` parts. */
function streamedBody(head: string, fillerMb: number, tail: string) {
  const chunk = Buffer.alloc(1024 * 1024, 0x61);
  let i = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (i === 0)
        controller.enqueue(
          Buffer.from(
            `${head}--${BOUNDARY}\r\nContent-Disposition: form-data; name="attachment-1"; filename="big.bin"\r\nContent-Type: application/octet-stream\r\n\r\n`,
          ),
        );
      else if (i <= fillerMb) {
        controller.enqueue(chunk);
      } else {
        controller.enqueue(Buffer.from(`\r\n${tail}--${BOUNDARY}--\r\n`));
        controller.close();
      }
      i++;
    },
  });
}

async function postStream(body: ReadableStream<Uint8Array>) {
  return app.request('/webhooks/email/mailgun', {
    method: 'POST',
    headers: { 'content-type': `multipart/form-data; boundary=${BOUNDARY}` },
    body,
    // Node's fetch needs this for a streamed request body.
    duplex: 'half',
  });
}

/** Runs `fn` and reports the largest RSS growth seen while it ran. */
async function peakRssGrowth<T>(fn: () => Promise<T>): Promise<{ result: T; growthMb: number }> {
  global.gc?.();
  const base = process.memoryUsage().rss;
  let peak = base;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 2);
  try {
    const result = await fn();
    peak = Math.max(peak, process.memoryUsage().rss);
    return { result, growthMb: (peak - base) / 1024 / 1024 };
  } finally {
    clearInterval(timer);
  }
}

describe('Mailgun authenticates before it parses', () => {
  it('stops reading a 24 MB post at a bad signature sent first', async () => {
    const ts = String(Math.floor(Date.now() / 1000));
    const head =
      part('timestamp', ts) + part('token', 't'.repeat(50)) + part('signature', 'f'.repeat(64));
    let pulled = 0;
    const body = streamedBody(head, 24, part('from', 'x@example.org'));
    const reader = body.getReader();
    const counted = new ReadableStream<Uint8Array>({
      async pull(controller) {
        const { done, value } = await reader.read();
        if (done) controller.close();
        else {
          pulled += value.byteLength;
          controller.enqueue(value);
        }
      },
    });
    const before = await countRows(deps.db);
    const res = await postStream(counted);
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe(
      'invalid_signature',
    );
    // Far less than the 24 MB offered was consumed before the answer.
    expect(pulled).toBeLessThan(8 * 1024 * 1024);
    expect(await countRows(deps.db)).toEqual(before);
  });

  it('an unsigned 24 MB text field is refused with bounded memory', async () => {
    const before = await countRows(deps.db);
    const text = Buffer.alloc(24 * 1024 * 1024, 0x62).toString();
    const { result: res, growthMb } = await peakRssGrowth(async () =>
      app.request('/webhooks/email/mailgun', {
        method: 'POST',
        headers: { 'content-type': `multipart/form-data; boundary=${BOUNDARY}` },
        body: `${part('from', 'x@example.org')}${part('body-plain', text)}--${BOUNDARY}--\r\n`,
      }),
    );
    expect(res.status).toBe(401);
    // Before: the raw body, then every part materialised again by formData() (≈ 120 MB here).
    expect(growthMb).toBeLessThan(100);
    expect(await countRows(deps.db)).toEqual(before);
  });

  it('an unsigned 24 MB post is refused with bounded memory (no buffering of the file part)', async () => {
    const before = await countRows(deps.db);
    const { result: res, growthMb } = await peakRssGrowth(() =>
      postStream(streamedBody(part('from', 'x@example.org'), 24, part('subject', 'hi'))),
    );
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('unauthorized');
    expect(growthMb).toBeLessThan(150);
    expect(await countRows(deps.db)).toEqual(before);
  });

  it('a signed multipart post with a large attachment is accepted; the file is only described', async () => {
    const ts = String(Math.floor(Date.now() / 1000));
    const token = randomBytes(25).toString('hex');
    const head =
      part('timestamp', ts) +
      part('token', token) +
      part('signature', signature(ts, token)) +
      part('from', 'Lee <lee@example.org>') +
      part('recipient', 'support@deskpilot.test') +
      part('subject', 'Invoice attached') +
      part('body-plain', 'See the attachment.') +
      part('Message-Id', `<${token.slice(0, 12)}@example.org>`);
    const res = await postStream(streamedBody(head, 3, part('attachment-count', '1')));
    expect(res.status, await res.clone().text()).toBe(202);
  });

  it('signature fields at the end still authenticate (Mailgun does not order its fields)', async () => {
    const ts = String(Math.floor(Date.now() / 1000));
    const token = randomBytes(25).toString('hex');
    const tail =
      part('timestamp', ts) + part('token', token) + part('signature', signature(ts, token));
    const head =
      part('from', 'Lee <lee@example.org>') +
      part('body-plain', 'Hello') +
      part('Message-Id', `<${token.slice(0, 12)}@example.org>`);
    const res = await postStream(streamedBody(head, 1, tail));
    expect(res.status, await res.clone().text()).toBe(202);
  });

  it('a body over the limit is 413 and a broken boundary 400, both in the envelope', async () => {
    const small = await createTestDeps({ MAX_EMAIL_BYTES: String(1024 * 1024) });
    try {
      const res = await createApp(small).request('/webhooks/email/mailgun', {
        method: 'POST',
        headers: { 'content-type': `multipart/form-data; boundary=${BOUNDARY}` },
        body: streamedBody(part('from', 'x@example.org'), 2, ''),
        // Node's fetch needs this for a streamed request body.
        duplex: 'half',
      });
      expect(res.status).toBe(413);
    } finally {
      await small.cleanup();
    }
    const broken = await app.request('/webhooks/email/mailgun', {
      method: 'POST',
      headers: { 'content-type': 'multipart/form-data' },
      body: 'no boundary here',
    });
    expect(broken.status).toBe(400);
    expect(
      ((await broken.json()) as { error: { requestId: string } }).error.requestId,
    ).toBeTruthy();
  });
});
