import { beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../../../src/auth/api-keys.js';
import { getTicket, listMessages } from '../../../../src/db/queries/tickets.js';
import { fileTestApp } from '../../../support/fixtures.js';
import { countRows } from '../../../support/rows.js';

/** Finding 3: one integration key cannot write to a ticket another key created. */
const { deps, app } = await fileTestApp();
let owner: string;
let other: string;
let scopedOther: string;

beforeAll(async () => {
  owner = (await createApiKey(deps.db, { name: 'helpdesk A', role: 'integration' })).key;
  other = (await createApiKey(deps.db, { name: 'helpdesk B', role: 'integration' })).key;
  scopedOther = (
    await createApiKey(deps.db, { name: 'team key', role: 'integration', teamId: 'billing' })
  ).key;
});

const post = (key: string, body: unknown) =>
  app.request('/webhooks/tickets', {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify(body),
  });

describe('generic webhook ownership', () => {
  it('another key gets 404 and writes nothing: no status change, no Agent message', async () => {
    const created = await post(owner, {
      eventId: 'a-1',
      ticket: { externalId: 'SHARED-1', subject: 'Refund' },
      requester: { email: 'ana@example.org' },
      message: { body: 'I was charged twice' },
    });
    expect(created.status).toBe(202);
    const { ticketId } = (await created.json()) as { ticketId: string };
    const before = await countRows(deps.db);

    for (const key of [other, scopedOther]) {
      const res = await post(key, {
        eventId: `b-${key.slice(3, 11)}`,
        ticket: { externalId: 'SHARED-1', status: 'solved' },
        requester: {},
        message: { body: 'Refund denied, ticket closed.', authorKind: 'agent' },
      });
      expect(res.status).toBe(404);
      const body = (await res.json()) as { error: { code: string; requestId: string } };
      expect(body.error.code).toBe('not_found');
      expect(body.error.requestId).toBeTruthy();
    }
    expect(await countRows(deps.db)).toEqual(before);
    expect((await getTicket(deps.db, ticketId))?.status).toBe('new');
    expect(await listMessages(deps.db, ticketId)).toHaveLength(1);
  });

  it('the owning key still updates its own ticket', async () => {
    const res = await post(owner, {
      eventId: 'a-2',
      ticket: { externalId: 'SHARED-1', status: 'pending' },
      requester: { email: 'ana@example.org' },
      message: { body: 'Any news?' },
    });
    expect(res.status).toBe(202);
    const { ticketId } = (await res.json()) as { ticketId: string };
    expect((await getTicket(deps.db, ticketId))?.status).toBe('pending');
    expect(await listMessages(deps.db, ticketId)).toHaveLength(2);
  });
});
