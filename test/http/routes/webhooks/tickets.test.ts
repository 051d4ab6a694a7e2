import { beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../../../src/auth/api-keys.js';
import { getTicket, listMessages } from '../../../../src/db/queries/tickets.js';
import { fileTestApp } from '../../../support/fixtures.js';
import { countRows } from '../../../support/rows.js';

const { deps, app } = await fileTestApp();
let key: string;

beforeAll(async () => {
  key = (await createApiKey(deps.db, { name: 'test helpdesk', role: 'integration' })).key;
});

const post = (body: unknown, headers: Record<string, string> = {}) =>
  app.request('/webhooks/tickets', {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}`, ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });

const event = (eventId: string) => ({
  eventId,
  ticket: { externalId: 'FD-77', subject: 'Where is my order?', tags: ['shop'] },
  requester: { email: 'Mo@Example.org', name: 'Mo' },
  message: { body: 'Ordered on Monday, nothing arrived yet.' },
});

describe('POST /webhooks/tickets', () => {
  it('accepts a ticket with an API key', async () => {
    const res = await post(event('e-1'));
    expect(res.status).toBe(202);
    const { ticketId } = (await res.json()) as { ticketId: string };
    expect(await getTicket(deps.db, ticketId)).toMatchObject({
      source: 'api',
      externalId: 'FD-77',
      requesterEmail: 'mo@example.org',
      tags: ['shop'],
    });
    expect(await listMessages(deps.db, ticketId)).toHaveLength(1);
  });

  it('threads a second event onto the same ticket', async () => {
    const res = await post({ ...event('e-2'), message: { body: 'Any news?' } });
    const { ticketId } = (await res.json()) as { ticketId: string };
    expect(await listMessages(deps.db, ticketId)).toHaveLength(2);
  });

  it('answers 200 to 50 identical concurrent deliveries after the first', async () => {
    const before = await countRows(deps.db);
    const responses = await Promise.all(
      Array.from({ length: 50 }, () => post(event('e-concurrent'))),
    );
    const codes = responses.map((r) => r.status);
    expect(codes.filter((c) => c === 202)).toHaveLength(1);
    expect(codes.filter((c) => c === 200)).toHaveLength(49);
    const after = await countRows(deps.db);
    expect(after.messages - before.messages).toBe(1);
    expect(after.inboxEvents - before.inboxEvents).toBe(1);
  });

  it('401 without a key, with a bad key, and 400 naming the field', async () => {
    const none = await app.request('/webhooks/tickets', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(event('e-3')),
    });
    expect(none.status).toBe(401);
    const bad = await post(event('e-3'), {
      authorization: 'Bearer dp_AAAAAAAA_bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb',
    });
    expect(bad.status).toBe(401);
    const invalid = await post({ ...event('e-4'), requester: { email: 'not-an-email' } });
    expect(invalid.status).toBe(400);
    const body = (await invalid.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('validation_failed');
    expect(body.error.message).toContain('requester.email');
  });

  it('415 for form data, 413 for oversized bodies', async () => {
    const form = await post('a=b', { 'content-type': 'application/x-www-form-urlencoded' });
    expect(form.status).toBe(415);
    const huge = await post({ ...event('e-5'), message: { body: 'x'.repeat(1_100_000) } });
    expect(huge.status).toBe(413);
  });
});
