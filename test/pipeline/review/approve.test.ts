import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseRoundTrips } from '../../../src/db/client.js';
import { getDeliveryForDraft, getDraft } from '../../../src/db/queries/drafts.js';
import { listTicketEvents } from '../../../src/db/queries/tickets.js';
import { rowsOf } from '../../../src/db/rows.js';
import { outbox } from '../../../src/db/schema/outbox.js';
import { tickets } from '../../../src/db/schema/tickets.js';
import { draftReply } from '../../../src/pipeline/draft/draft.js';
import { approveDraft } from '../../../src/pipeline/review/actions.js';
import { triageTicket } from '../../../src/pipeline/triage/triage.js';
import { createTestDeps, type TestDeps } from '../../support/deps.js';
import { agentActor } from '../../support/drafts.js';
import { importSampleKb } from '../../support/fixtures.js';
import { seedEmailTicket } from '../../support/tickets.js';

/**
 * An approval is one read (the draft with its ticket) and one write that decides: the draft's
 * compare-and-set, the delivery, the deliver job's outbox row held for the undo window, the
 * ticket event and the ticket's draft state, all or nothing.
 */
let deps: TestDeps;

beforeAll(async () => {
  deps = await createTestDeps({ SEND_DELAY_SECONDS: '30' });
  await importSampleKb(deps);
});
afterAll(async () => {
  await deps.cleanup();
});

async function pendingDraft(from: string) {
  const { ticketId } = await seedEmailTicket(deps.db, {
    from,
    subject: 'Forgot my password',
    body: 'I cannot log in, how do I reset my password?',
  });
  await triageTicket(deps, { ticketId });
  const outcome = await draftReply(deps, { ticketId });
  if (outcome.status !== 'drafted') throw new Error(`not drafted: ${outcome.reason}`);
  return { ticketId, draft: outcome.draft };
}

const deliverRows = async (deliveryId: string) =>
  (await deps.db.select().from(outbox).where(eq(outbox.jobName, 'deliver'))).filter(
    (r) => r.payload.deliveryId === deliveryId,
  );

describe('approveDraft', () => {
  it('reads once and writes once: draft, delivery, held deliver job, event and draft state; then learns', async () => {
    const { ticketId, draft } = await pendingDraft('approve-once@example.net');
    const before = databaseRoundTrips();
    const result = await approveDraft(deps, {
      draftId: draft.id,
      actor: agentActor('agent-1'),
      lockVersion: draft.lockVersion,
    });
    // The draft and ticket, then the one write; then what the approval teaches drafting (the
    // question's text, and the lesson: review/learn.ts), after the decision is committed.
    expect(databaseRoundTrips() - before).toBe(4);
    if (!result.ok) throw new Error(result.reason);

    expect(result.draft).toMatchObject({
      id: draft.id,
      status: 'approved',
      decidedBy: 'agent-1',
      lockVersion: draft.lockVersion + 1,
      autoSent: false,
    });
    expect(result.draft.decidedAt).toBeInstanceOf(Date);
    const stored = await getDraft(deps.db, draft.id);
    expect(stored).toEqual(result.draft);

    const delivery = (await getDeliveryForDraft(deps.db, draft.id))!;
    expect(result.delivery).toEqual(delivery);
    expect(delivery).toMatchObject({
      ticketId,
      channel: 'email',
      state: 'pending',
      recipient: 'approve-once@example.net',
      public: true,
    });
    const wait = delivery.sendAfter!.getTime() - Date.now();
    expect(wait).toBeGreaterThan(25_000);
    expect(wait).toBeLessThanOrEqual(30_000);
    const [job] = await deliverRows(delivery.id);
    expect(job?.state).toBe('pending');
    expect(job?.availableAt.getTime()).toBe(delivery.sendAfter!.getTime());

    const events = await listTicketEvents(deps.db, ticketId);
    const approved = events.filter((e) => e.type === 'approved');
    expect(approved).toHaveLength(1);
    expect(approved[0]).toMatchObject({ actorKind: 'agent', actorId: 'agent-1' });
    expect(approved[0]!.data).toMatchObject({
      draftId: draft.id,
      version: draft.version,
      editDistance: 0,
      auto: false,
    });
    const [ticket] = await deps.db
      .select({ state: tickets.draftState })
      .from(tickets)
      .where(eq(tickets.id, ticketId));
    expect(ticket?.state).toBe('sending');
  });

  it('a stale lock version changes nothing; a repeat by the same agent is the same approval', async () => {
    const { ticketId, draft } = await pendingDraft('approve-race@example.net');
    const stale = await approveDraft(deps, {
      draftId: draft.id,
      actor: agentActor('agent-1'),
      lockVersion: draft.lockVersion - 1,
    });
    expect(stale).toMatchObject({ ok: false, reason: 'conflict' });
    expect(await getDeliveryForDraft(deps.db, draft.id)).toBeNull();
    expect((await getDraft(deps.db, draft.id))?.status).toBe('pending_approval');

    const [first, second] = await Promise.all([
      approveDraft(deps, { draftId: draft.id, actor: agentActor('agent-1') }),
      approveDraft(deps, { draftId: draft.id, actor: agentActor('agent-1') }),
    ]);
    expect(first.ok && second.ok).toBe(true);
    const other = await approveDraft(deps, { draftId: draft.id, actor: agentActor('agent-2') });
    expect(other).toMatchObject({ ok: false, reason: 'not_pending' });
    const delivery = (await getDeliveryForDraft(deps.db, draft.id))!;
    expect(await deliverRows(delivery.id)).toHaveLength(1);
    const events = await listTicketEvents(deps.db, ticketId);
    expect(events.filter((e) => e.type === 'approved')).toHaveLength(1);
  });

  it('an edited approval records the edit; an auto-send goes at once, by the system', async () => {
    const edited = await pendingDraft('approve-edit@example.net');
    const result = await approveDraft(deps, {
      draftId: edited.draft.id,
      actor: agentActor('agent-1'),
      finalText: `${edited.draft.bodyText}\n\nP.S. Thanks for your patience.`,
    });
    if (!result.ok) throw new Error(result.reason);
    expect(result.draft.editDistance).toBeGreaterThan(0);
    expect(result.draft.finalText).toContain('P.S.');
    const events = await listTicketEvents(deps.db, edited.ticketId);
    expect(events.find((e) => e.type === 'edited')?.data).toMatchObject({ auto: false });

    const auto = await pendingDraft('approve-auto@example.net');
    const sent = await approveDraft(deps, {
      draftId: auto.draft.id,
      actor: agentActor('auto-send'),
      auto: true,
    });
    if (!sent.ok) throw new Error(sent.reason);
    expect(sent.draft.autoSent).toBe(true);
    expect(sent.delivery?.sendAfter).toBeNull();
    const [job] = await deliverRows(sent.delivery!.id);
    const [clock] = rowsOf<{ now: string }>(await deps.db.execute(sql`select now()::text as now`));
    expect(job!.availableAt.getTime()).toBeLessThanOrEqual(new Date(clock!.now).getTime());
    const autoEvents = await listTicketEvents(deps.db, auto.ticketId);
    expect(autoEvents.find((e) => e.type === 'approved')).toMatchObject({ actorKind: 'system' });
  });
});
