import { describe, expect, it } from 'vitest';
import { ZENDESK_SECRET_OLD } from '../../../support/deps.js';
import { fileTestApp } from '../../../support/fixtures.js';
import { countRows } from '../../../support/rows.js';
import { signedZendeskRequest, zendeskTicketCreated } from '../../../support/zendesk.js';

const { deps, app } = await fileTestApp({ MAX_JSON_BYTES: '4kb' });

async function expectRejected(init: RequestInit, status: number, code: string) {
  const before = await countRows(deps.db);
  const res = await app.request('/webhooks/zendesk', init);
  expect(res.status).toBe(status);
  const body = (await res.json()) as {
    error: { code: string; message: string; requestId: string };
  };
  expect(body.error.code).toBe(code);
  expect(body.error.requestId).toBeTruthy();
  expect(res.headers.get('x-request-id')).toBe(body.error.requestId);
  expect(await countRows(deps.db)).toEqual(before);
  return body.error;
}

describe('POST /webhooks/zendesk (signature vectors)', () => {
  const event = () => zendeskTicketCreated('7007');

  it('accepts the previous secret during rotation', async () => {
    const res = await app.request(
      '/webhooks/zendesk',
      signedZendeskRequest(event(), { secret: ZENDESK_SECRET_OLD }),
    );
    expect(res.status).toBe(202);
  });

  it('rejects a wrong secret', async () => {
    await expectRejected(
      signedZendeskRequest(event(), { secret: 'not-the-secret' }),
      401,
      'invalid_signature',
    );
  });

  it('rejects a tampered body', async () => {
    await expectRejected(
      signedZendeskRequest(event(), {
        tamper: (raw) => raw.replace('Cannot log in', 'Cannot log on'),
      }),
      401,
      'invalid_signature',
    );
  });

  it('rejects a stale timestamp (and one from the future)', async () => {
    const old = new Date(Date.now() - 6 * 60_000).toISOString();
    await expectRejected(signedZendeskRequest(event(), { timestamp: old }), 401, 'stale_request');
    const future = new Date(Date.now() + 6 * 60_000).toISOString();
    await expectRejected(
      signedZendeskRequest(event(), { timestamp: future }),
      401,
      'stale_request',
    );
  });

  it('rejects missing signature headers', async () => {
    await expectRejected(
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(event()),
      },
      401,
      'unauthorized',
    );
  });

  it('treats a replayed request as a duplicate: nothing new is written', async () => {
    const init = signedZendeskRequest(zendeskTicketCreated('7100'));
    expect((await app.request('/webhooks/zendesk', init)).status).toBe(202);
    const before = await countRows(deps.db);
    const replay = await app.request('/webhooks/zendesk', init);
    expect(replay.status).toBe(200);
    expect(await countRows(deps.db)).toEqual(before);
  });
});

describe('POST /webhooks/zendesk (rejections)', () => {
  it('413 for a body over the limit, before parsing', async () => {
    const big = zendeskTicketCreated('8008', { description: 'x'.repeat(10_000) });
    await expectRejected(signedZendeskRequest(big), 413, 'payload_too_large');
  });

  it('415 for a non-JSON content type', async () => {
    const init = signedZendeskRequest(zendeskTicketCreated('8009'));
    (init.headers as Record<string, string>)['content-type'] = 'text/plain';
    await expectRejected(init, 415, 'unsupported_media_type');
  });

  it('400 for malformed JSON', async () => {
    await expectRejected(signedZendeskRequest(null, { rawBody: '{"type": ' }), 400, 'bad_request');
  });

  it('400 naming the field for a schema violation', async () => {
    const bad = zendeskTicketCreated('8010');
    bad.detail.id = 'not-a-number';
    const error = await expectRejected(signedZendeskRequest(bad), 400, 'validation_failed');
    expect(error.message).toContain('detail.id');
  });
});
