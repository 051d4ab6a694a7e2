import { beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../../../src/auth/api-keys.js';
import { insertDraft, transitionDraft } from '../../../../src/db/queries/drafts.js';
import { getTicket, listMessages } from '../../../../src/db/queries/tickets.js';
import { draftDueAt } from '../../../../src/pipeline/review/sla.js';
import { fileTestApp } from '../../../support/fixtures.js';
import {
  signedZendeskRequest,
  zendeskCommentAdded,
  zendeskTicketCreated,
} from '../../../support/zendesk.js';

/**
 * The "Overdue" view after an agent answers in the helpdesk: the reply clock stops whatever
 * became of the ticket's draft (rejected, failed), and a later customer message starts it again.
 * Through the real intake (generic webhook, Zendesk webhook) and GET /api/tickets?view=overdue,
 * on real Postgres.
 */
const { deps, app } = await fileTestApp();
let integrationKey: string;
let managerKey: string;

beforeAll(async () => {
  integrationKey = (await createApiKey(deps.db, { name: 'helpdesk', role: 'integration' })).key;
  managerKey = (await createApiKey(deps.db, { name: 'manager', role: 'manager' })).key;
});

const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000).toISOString();

async function postGeneric(
  eventId: string,
  message: { body: string; authorKind?: 'customer' | 'agent'; createdAt: string },
  externalId = eventId.startsWith('nd-') ? 'OD-2' : 'OD-1',
): Promise<string> {
  const res = await app.request('/webhooks/tickets', {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${integrationKey}` },
    body: JSON.stringify({
      eventId,
      ticket: { externalId, subject: 'Refund still missing' },
      requester: { email: 'kim@example.org', name: 'Kim' },
      message,
    }),
  });
  expect(res.status).toBe(202);
  return ((await res.json()) as { ticketId: string }).ticketId;
}

async function overdueIds(view = 'overdue'): Promise<string[]> {
  const res = await app.request(`/api/tickets?view=${view}`, {
    headers: { authorization: `Bearer ${managerKey}` },
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as { items: { id: string }[] }).items.map((t) => t.id);
}

/** A draft for the ticket's latest customer message, already past due, ended as `outcome`. */
async function lateDraft(ticketId: string, outcome: 'rejected' | 'delivery_failed') {
  const question = (await listMessages(deps.db, ticketId))
    .filter((m) => m.authorKind === 'customer')
    .at(-1)!;
  const draft = await insertDraft(deps.db, {
    ticketId,
    messageId: question.id,
    kind: 'extractive',
    bodyText: 'A draft',
    model: 'test',
    slaDueAt: new Date(Date.now() - 10 * 60_000),
  });
  if (outcome === 'rejected') {
    await transitionDraft(
      deps.db,
      draft.id,
      { status: 'pending_approval' },
      { status: 'rejected' },
    );
  } else {
    await transitionDraft(
      deps.db,
      draft.id,
      { status: 'pending_approval' },
      { status: 'approved' },
    );
    await transitionDraft(deps.db, draft.id, { status: 'approved' }, { status: outcome });
  }
}

describe('Overdue view after an agent answers in the helpdesk', () => {
  it('generic webhook: an agent message clears a rejected draft’s due time; a new customer message’s draft sets it again', async () => {
    const ticketId = await postGeneric('od-1', {
      body: 'I was charged twice.',
      createdAt: minutesAgo(120),
    });
    await lateDraft(ticketId, 'rejected');
    expect(await overdueIds()).toContain(ticketId);
    expect(await overdueIds('needs_human')).toContain(ticketId);

    // An internal note answers nobody: still overdue.
    const note = await app.request('/webhooks/tickets', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${integrationKey}` },
      body: JSON.stringify({
        eventId: 'od-note',
        ticket: { externalId: 'OD-1' },
        requester: { email: 'kim@example.org' },
        message: { body: 'Checking with finance', authorKind: 'agent', public: false },
      }),
    });
    expect(note.status).toBe(202);
    expect(await overdueIds()).toContain(ticketId);

    await postGeneric('od-2', {
      body: 'Refunded, sorry about that.',
      authorKind: 'agent',
      createdAt: minutesAgo(60),
    });
    expect((await getTicket(deps.db, ticketId))?.replyDueAt).toBeNull();
    expect(await overdueIds()).not.toContain(ticketId);
    // Answered, though its latest draft stays rejected: nobody has to write a reply now.
    expect((await getTicket(deps.db, ticketId))?.draftState).toBe('answered');
    expect(await overdueIds('needs_human')).not.toContain(ticketId);

    // The customer writes again: the clock starts at once, by the rule its draft will use.
    await postGeneric('od-3', { body: 'Still not on my card.', createdAt: minutesAgo(45) });
    const ticket = (await getTicket(deps.db, ticketId))!;
    const question = (await listMessages(deps.db, ticketId)).at(-1)!;
    expect(ticket.replyDueAt).toEqual(
      await draftDueAt(deps.db, deps.config, {
        ticketId,
        ticketCreatedAt: ticket.createdAt,
        message: question,
        policy: null,
        priority: null,
      }),
    );
    expect(ticket.replyDueAt!.getTime()).toBeGreaterThan(question.createdAt.getTime());
    // Its draft goes late and is rejected: overdue again.
    await lateDraft(ticketId, 'rejected');
    expect(await overdueIds()).toContain(ticketId);
  });

  it('a follow-up nobody answers goes overdue though no draft was ever written', async () => {
    const post = (eventId: string, hoursAgo: number, authorKind: 'customer' | 'agent') =>
      postGeneric(eventId, {
        body: `${authorKind} at -${hoursAgo} h`,
        authorKind,
        createdAt: minutesAgo(hoursAgo * 60),
      });
    const ticketId = await post('nd-1', 72, 'customer');
    await post('nd-2', 48, 'agent');
    expect(await overdueIds()).not.toContain(ticketId);
    // Due 24 h (SLA_MINUTES normal) after the follow-up, 12 h ago.
    await post('nd-3', 36, 'customer');
    const ticket = await getTicket(deps.db, ticketId);
    expect(ticket?.draftState).toBe('none');
    expect(ticket?.replyDueAt?.getTime()).toBeCloseTo(Date.now() - 12 * 3_600_000, -5);
    expect(await overdueIds()).toContain(ticketId);
  });

  it('Zendesk: a public staff comment clears the due time of a draft whose delivery failed', async () => {
    const created = await app.request(
      '/webhooks/zendesk',
      signedZendeskRequest(zendeskTicketCreated('7001')),
    );
    const { ticketId } = (await created.json()) as { ticketId: string };
    await lateDraft(ticketId, 'delivery_failed');
    expect(await overdueIds()).toContain(ticketId);

    const comment = await app.request(
      '/webhooks/zendesk',
      signedZendeskRequest(zendeskCommentAdded('7001', '88001', 'Reset it for you.', true)),
    );
    expect(comment.status).toBe(202);
    expect(await overdueIds()).not.toContain(ticketId);
    expect(await overdueIds('needs_human')).not.toContain(ticketId);
  });
});
