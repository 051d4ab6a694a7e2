import { sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../../../src/auth/api-keys.js';
import { getDeliveryForDraft, getDraft, insertDraft } from '../../../../src/db/queries/drafts.js';
import { getTicket } from '../../../../src/db/queries/tickets.js';
import { rowsOf } from '../../../../src/db/rows.js';
import { fileTestMailApp, runPendingDeliveries } from '../../../support/fixtures.js';

/**
 * A ticket from the JSON webhook without a requester email has no way to reach its customer: its
 * replies go by email (deliveryTarget) and the delivery's recipient is fixed at approval, so an
 * approved reply could only be held for good (Send again finds the same empty recipient). The API
 * refuses the approval — and a reply written by hand — with a 409 `customer_unreachable` naming
 * what is missing, and nothing is recorded. SMTP is configured here: the address is the only gap.
 */
const { deps, app, smtp } = await fileTestMailApp();
let integration: string;
let agent: string;

beforeAll(async () => {
  integration = (await createApiKey(deps.db, { name: 'shop helpdesk', role: 'integration' })).key;
  agent = (await createApiKey(deps.db, { name: 'agent', role: 'agent' })).key;
});

/** A ticket through POST /webhooks/tickets, with a pending draft. */
async function webhookTicket(externalId: string, requester: Record<string, string>) {
  const res = await app.request('/webhooks/tickets', {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${integration}` },
    body: JSON.stringify({
      eventId: `e-${externalId}`,
      ticket: { externalId, subject: 'Where is my order?' },
      requester,
      message: { body: 'Ordered on Monday, nothing arrived yet.' },
    }),
  });
  expect(res.status).toBe(202);
  const { ticketId } = (await res.json()) as { ticketId: string };
  const draft = await insertDraft(deps.db, {
    ticketId,
    kind: 'extractive',
    bodyText: 'Orders ship within two working days.',
    model: 'test',
  });
  return { ticketId, draft };
}

const api = (path: string, body: unknown = {}, headers: Record<string, string> = {}) =>
  app.request(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${agent}`, ...headers },
    body: JSON.stringify(body),
  });

async function deliveriesOf(ticketId: string) {
  return rowsOf<{ n: number }>(
    await deps.db.execute(
      sql`select count(*)::int as n from deliveries where ticket_id = ${ticketId}`,
    ),
  )[0]!.n;
}

describe('approving a draft whose ticket has no reply address', () => {
  it('is refused with customer_unreachable naming the problem; nothing is recorded or held', async () => {
    const { ticketId, draft } = await webhookTicket('NO-MAIL-1', { name: 'Robin' });
    const res = await api(`/api/drafts/${draft.id}/approve`);
    expect(res.status).toBe(409);
    const body = (await res.json()) as {
      error: { code: string; message: string; requestId: string };
    };
    expect(body.error.code).toBe('customer_unreachable');
    expect(body.error.message).toContain('No way to reach the customer');
    expect(body.error.message).toContain('without a requester email');
    expect(body.error.message).toContain('solve the ticket');
    expect(body.error.requestId).toBeTruthy();
    // Nothing happened: still waiting, no delivery, the ticket not "held".
    expect((await getDraft(deps.db, draft.id))?.status).toBe('pending_approval');
    expect(await getDeliveryForDraft(deps.db, draft.id)).toBeNull();
    expect(await deliveriesOf(ticketId)).toBe(0);
    expect((await getTicket(deps.db, ticketId))?.draftState).not.toBe('held');
    // Edit-and-approve is the same approval.
    const edited = await api(`/api/drafts/${draft.id}/edit`, { text: 'Your order ships today.' });
    expect(edited.status).toBe(409);
    expect(((await edited.json()) as { error: { code: string } }).error.code).toBe(
      'customer_unreachable',
    );
    // A reply written by hand would be held the same way: refused too.
    const manual = await api(
      `/api/tickets/${ticketId}/replies`,
      { text: 'Your order ships today.' },
      { 'idempotency-key': 'no-mail-1' },
    );
    expect(manual.status).toBe(409);
    expect(((await manual.json()) as { error: { code: string } }).error.code).toBe(
      'customer_unreachable',
    );
    expect(await deliveriesOf(ticketId)).toBe(0);
    // The ticket can still be closed out once the customer is answered elsewhere.
    expect(
      (await api(`/api/drafts/${draft.id}/reject`, { reason: 'Answered by phone' })).status,
    ).toBe(200);
  });

  it('a requester address that takes no replies (no-reply) is refused the same way, naming it', async () => {
    const { draft } = await webhookTicket('NO-MAIL-2', { email: 'no-reply@shop.example' });
    const res = await api(`/api/drafts/${draft.id}/approve`);
    expect(res.status).toBe(409);
    const { error } = (await res.json()) as { error: { code: string; message: string } };
    expect(error.code).toBe('customer_unreachable');
    expect(error.message).toContain('no-reply@shop.example');
  });

  it('with a requester email the same approval is sent', async () => {
    const { draft } = await webhookTicket('MAIL-3', { email: 'robin@example.net' });
    const res = await api(`/api/drafts/${draft.id}/approve`);
    expect(res.status).toBe(200);
    expect(await runPendingDeliveries(deps)).toBe(1);
    expect((await getDeliveryForDraft(deps.db, draft.id))?.state).toBe('sent');
    expect(smtp.received.some((m) => m.envelope.rcptTo.includes('robin@example.net'))).toBe(true);
  });
});
