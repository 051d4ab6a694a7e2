import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { systemActor } from '../../src/auth/actor.js';
import { getDelivery, listDraftsForTicket } from '../../src/db/queries/drafts.js';
import { getTicket, listMessages } from '../../src/db/queries/tickets.js';
import { getTriage } from '../../src/db/queries/triage.js';
import type { Draft } from '../../src/db/schema/drafts.js';
import { retryDelivery } from '../../src/pipeline/deliver/retry.js';
import { addInternalNote, sendManualReply } from '../../src/pipeline/reply/manual.js';
import { solveTicket } from '../../src/pipeline/review/sla-solve.js';
import { correctTriage } from '../../src/pipeline/triage/correct.js';
import { agentActor, seedFailedDelivery, seedPendingDraft } from '../support/drafts.js';
import { fileTestDeps } from '../support/fixtures.js';

/**
 * Delivery retry, triage correction, hand-written replies, notes and solving check the actor's team scope
 * themselves (as the review actions do, `review/actor-scope.test.ts`): called directly, with no
 * route in front, another team's ticket is "not found" and nothing changes.
 */
const deps = await fileTestDeps();

const billing = agentActor('ana@example.com', 'billing');

describe('actions on a ticket take a typed actor and check its scope', () => {
  it("refuses to retry another team's delivery like a missing one", async () => {
    const { delivery } = await seedFailedDelivery(deps.db, 'fulfilment');
    const result = await retryDelivery(deps, { deliveryId: delivery.id, actor: billing });
    expect(result).toEqual({ ok: false, reason: 'not_found' });
    expect(await getDelivery(deps.db, delivery.id)).toMatchObject({ state: 'failed' });

    const own = await seedFailedDelivery(deps.db, 'billing');
    expect(await retryDelivery(deps, { deliveryId: own.delivery.id, actor: billing })).toEqual({
      ok: true,
    });
    expect(await getDelivery(deps.db, own.delivery.id)).toMatchObject({ state: 'pending' });
  });

  it("refuses to correct another team's triage like a missing one", async () => {
    const { ticketId } = await seedPendingDraft(deps.db, { team: 'fulfilment' });
    const result = await correctTriage(deps, {
      ticketId,
      actor: billing,
      category: 'refund',
      fields: { priority: 'high' },
    });
    expect(result).toEqual({ ok: false, reason: 'ticket_not_found' });
    expect(await getTriage(deps.db, ticketId)).toMatchObject({
      correctedCategory: null,
      priority: 'normal',
    });

    const manager = { ...billing, role: 'manager' as const };
    const corrected = await correctTriage(deps, { ticketId, actor: manager, category: 'refund' });
    expect(corrected).toMatchObject({ ok: true, category: 'refund' });
    expect((await getTriage(deps.db, ticketId))?.correctedCategory).toBe('refund');
  });

  it("refuses a reply or a note on another team's ticket like a missing one", async () => {
    const { ticketId, draft } = await seedPendingDraft(deps.db, { team: 'fulfilment' });
    const reply = await sendManualReply(deps, {
      ticketId,
      actor: billing,
      text: 'Not my team.',
      idempotencyKey: randomUUID(),
    });
    expect(reply).toEqual({ ok: false, reason: 'not_found' });
    const note = await addInternalNote(deps, { ticketId, actor: billing, text: 'Not mine.' });
    expect(note).toEqual({ ok: false, reason: 'not_found' });
    const drafts = await listDraftsForTicket(deps.db, ticketId);
    expect(drafts.map((d: Draft) => d.id)).toEqual([draft.id]);
    const before = (await listMessages(deps.db, ticketId)).length;

    const sent = await sendManualReply(deps, {
      ticketId,
      actor: agentActor('fay@example.com', 'fulfilment'),
      text: 'On its way.',
      idempotencyKey: randomUUID(),
    });
    expect(sent.ok && sent.draft.decidedBy).toBe('fay@example.com');
    const noted = await addInternalNote(deps, {
      ticketId,
      actor: systemActor('cli'),
      text: 'Checked the carrier.',
    });
    expect(noted.ok).toBe(true);
    expect(await listMessages(deps.db, ticketId)).toHaveLength(before + 1);
  });

  it("refuses to solve another team's ticket like a missing one", async () => {
    const { ticketId, draft } = await seedPendingDraft(deps.db, { team: 'fulfilment' });
    expect(await solveTicket(deps, { ticketId, actor: billing })).toEqual({
      ok: false,
      reason: 'not_found',
    });
    expect((await getTicket(deps.db, ticketId))?.status).not.toBe('solved');
    const drafts = await listDraftsForTicket(deps.db, ticketId);
    expect(drafts.map((d: Draft) => [d.id, d.status])).toEqual([[draft.id, 'pending_approval']]);

    const fay = agentActor('fay@example.com', 'fulfilment');
    expect(await solveTicket(deps, { ticketId, actor: fay })).toEqual({
      ok: true,
      alreadySolved: false,
    });
    expect((await getTicket(deps.db, ticketId))?.status).toBe('solved');
  });
});
