import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../../src/auth/api-keys.js';
import { getTicket } from '../../../src/db/queries/tickets.js';
import { acceptDelivery } from '../../../src/ingest/intake.js';
import { apiRequest, fileTestApp } from '../../support/fixtures.js';

/**
 * Undoing a hand-written reply on a ticket that was never drafted: the customer waits again, so
 * the ticket gets back the reply clock intake gave their message and is "Overdue" again.
 */
const { deps, app } = await fileTestApp({ SEND_DELAY_SECONDS: '30' });
let key: string;

beforeAll(async () => {
  ({ key } = await createApiKey(deps.db, { name: 'ana', role: 'agent' }));
});

const api = (method: string, url: string, body?: unknown, headers: Record<string, string> = {}) =>
  apiRequest(app, key, method, url, body, headers);

async function overdue(): Promise<{ id: string; replyDueAt: string | null }[]> {
  const res = await api('GET', '/api/tickets?view=overdue');
  expect(res.status).toBe(200);
  return ((await res.json()) as { items: { id: string; replyDueAt: string | null }[] }).items;
}

const dueAt = async (ticketId: string) =>
  (await getTicket(deps.db, ticketId))?.replyDueAt?.toISOString() ?? null;

describe('undo of a hand-written reply on a ticket never drafted', () => {
  it('puts the ticket back in "Overdue" with the due time its message had', async () => {
    const { ticketId } = await acceptDelivery(
      deps.db,
      {
        source: 'api',
        dedupeKey: 'clock-1',
        eventType: 'message',
        signature: { scheme: 'none' },
        ticket: {
          externalId: 'CLOCK-1',
          subject: 'Invoice',
          channel: 'api',
          // A reply needs somewhere to go (a ticket without an address refuses one).
          requesterEmail: 'clock@example.net',
        },
        message: { authorKind: 'customer', bodyText: 'Where is my invoice?' },
      },
      { sla: deps.config },
    );
    // Written three days ago and still unanswered: well past any reply target.
    await deps.db.execute(sql`update messages set created_at = created_at - interval '3 days'
      where ticket_id = ${ticketId}`);
    await deps.db.execute(sql`update tickets set created_at = created_at - interval '3 days',
      reply_due_at = reply_due_at - interval '3 days' where id = ${ticketId}`);
    const due = await dueAt(ticketId!);
    expect(due).not.toBeNull();
    expect((await overdue()).map((t) => t.id)).toContain(ticketId);

    const sent = await api(
      'POST',
      `/api/tickets/${ticketId}/replies`,
      { text: 'Here it is.' },
      { 'idempotency-key': randomUUID() },
    );
    expect(sent.status).toBe(201);
    expect((await overdue()).map((t) => t.id)).not.toContain(ticketId);

    const draftId = ((await sent.json()) as { draft: { id: string } }).draft.id;
    expect((await api('POST', `/api/drafts/${draftId}/undo`)).status).toBe(200);
    expect(await dueAt(ticketId!)).toBe(due);
    expect(await overdue()).toContainEqual(
      expect.objectContaining({ id: ticketId, replyDueAt: due }),
    );
  });
});
