import type { Actor } from '../../auth/actor.js';
import { getDraftInScope } from '../../auth/team-scope.js';
import {
  deletePendingDelivery,
  getDeliveryForDraft,
  getDraft,
  restoreSupersededDrafts,
  transitionDraft,
  UNDECIDED,
} from '../../db/queries/drafts.js';
import { cancelPendingDeliverJob } from '../../db/queries/outbox.js';
import { listTicketEvents, recordTicketEvent } from '../../db/queries/tickets.js';
import type { Delivery, Draft } from '../../db/schema/drafts.js';
import { withTransaction } from '../../db/tx.js';
import type { Deps } from '../../deps.js';
import { publishAfterCommit } from '../../live/events.js';
import { forgetApproval } from './learn.js';
import { restoreReplyClock } from './sla.js';

export type UndoResult =
  | { ok: true; draft: Draft }
  | { ok: false; reason: 'not_found' }
  /** Nothing to undo: the draft is not approved (never was, or already undone). */
  | { ok: false; reason: 'not_approved'; draft: Draft }
  /**
   * Not the actor's to take back: only whoever approved it (for a reply written by hand, its
   * author) or a manager or admin may.
   */
  | { ok: false; reason: 'forbidden'; draft: Draft }
  /** The send started first: what became of it, in the delivery's own state. */
  | { ok: false; reason: 'too_late'; draft: Draft; delivery: Delivery | null };

/**
 * Whether the actor may undo this approval: the agent who approved it (who wrote it, for a reply
 * written by hand), or a manager or admin as an override (recorded as such on the ticket). A
 * colleague's reply is theirs to take back, not ours.
 */
export function mayUndo(actor: Pick<Actor, 'id' | 'role'>, draft: Pick<Draft, 'decidedBy'>) {
  return draft.decidedBy === actor.id || actor.role === 'manager' || actor.role === 'admin';
}

/**
 * Takes an approval back while its delivery has not started. One transaction deletes the
 * delivery under a compare-and-set on `pending` (the same row a worker moves to `sending` before
 * it contacts anyone, so exactly one of the two wins), drops the `deliver` job still waiting out
 * the undo window in the outbox, and puts the draft back to pending approval with the agent's
 * text. Losing the race is reported with the delivery's state, never as success.
 *
 * A reply written by hand (kind `manual`) has no pending state to return to: it becomes
 * `withdrawn` (its text kept, for the composer to offer again), and the Deskpilot drafts it had
 * retired are pending approval again, so the ticket is where it was before the reply (its reply
 * clock too: `restoreReplyClock`).
 *
 * Only the approver (the author of a hand-written reply) may undo it, or a manager or admin
 * (`mayUndo`); anyone else is refused with `forbidden`.
 */
export async function undoApproval(
  deps: Pick<Deps, 'db' | 'live' | 'config'>,
  input: { draftId: string; actor: Actor },
): Promise<UndoResult> {
  // Another team's draft answers exactly like a missing one.
  if (!(await getDraftInScope(deps.db, input.actor, input.draftId))) {
    return { ok: false, reason: 'not_found' };
  }
  return withTransaction(deps.db, async (tx) => {
    const draft = await getDraft(tx, input.draftId);
    if (!draft) return { ok: false as const, reason: 'not_found' as const };
    if (
      draft.status === 'pending_approval' ||
      draft.status === 'rejected' ||
      draft.status === 'superseded' ||
      draft.status === 'withdrawn'
    ) {
      return { ok: false as const, reason: 'not_approved' as const, draft };
    }
    if (!mayUndo(input.actor, draft)) {
      return { ok: false as const, reason: 'forbidden' as const, draft };
    }
    const delivery = await deletePendingDelivery(tx, draft.id);
    if (!delivery) {
      return {
        ok: false as const,
        reason: 'too_late' as const,
        draft,
        delivery: (await getDeliveryForDraft(tx, draft.id)) ?? null,
      };
    }
    await cancelPendingDeliverJob(tx, delivery.id);
    await forgetApproval(tx, draft.id);
    if (draft.kind === 'manual') return withdrawManualReply(deps, tx, draft, input.actor);
    const row = await transitionDraft(
      tx,
      draft.id,
      { status: 'approved' },
      {
        status: 'pending_approval',
        // The agent's text stays as the working copy; the decision and its metrics go.
        ...UNDECIDED,
      },
    );
    if (!row) throw new Error(`draft ${draft.id} left 'approved' while its delivery was pending`);
    await recordTicketEvent(tx, {
      ticketId: draft.ticketId,
      type: 'approval_undone',
      actorKind: 'agent',
      actorId: input.actor.id,
      data: {
        draftId: draft.id,
        deliveryId: delivery.id,
        approvedBy: draft.decidedBy,
        ...overrideOf(input.actor, draft),
      },
    });
    // Open inbox pages put the draft back in the queue.
    publishAfterCommit(deps.live, tx, {
      type: 'draft.decided',
      draftId: row.id,
      ticketId: row.ticketId,
      status: row.status,
    });
    return { ok: true as const, draft: row };
  });
}

/** The undo of a hand-written reply whose delivery was just deleted (see `undoApproval`). */
async function withdrawManualReply(
  deps: Pick<Deps, 'live' | 'config'>,
  tx: Deps['db'],
  draft: Draft,
  actor: Actor,
): Promise<UndoResult> {
  const row = await transitionDraft(tx, draft.id, { status: 'approved' }, { status: 'withdrawn' });
  if (!row) throw new Error(`reply ${draft.id} left 'approved' while its delivery was pending`);
  const replied = (await listTicketEvents(tx, draft.ticketId)).find(
    (e) => e.type === 'replied' && e.data.draftId === draft.id,
  );
  const superseded = Array.isArray(replied?.data.superseded)
    ? replied.data.superseded.filter((x): x is string => typeof x === 'string')
    : [];
  const restored = await restoreSupersededDrafts(tx, superseded);
  // The customer is unanswered again: with no draft to take the due time from, the ticket gets
  // back the clock intake gave its message, so it is "Overdue" again when it was before.
  await restoreReplyClock(tx, deps.config, draft.ticketId);
  await recordTicketEvent(tx, {
    ticketId: draft.ticketId,
    type: 'approval_undone',
    actorKind: 'agent',
    actorId: actor.id,
    data: {
      draftId: draft.id,
      kind: 'manual',
      writtenBy: draft.decidedBy,
      restored: restored.map((d) => d.id),
      ...overrideOf(actor, draft),
    },
  });
  publishAfterCommit(
    deps.live,
    tx,
    ...[row, ...restored].map((d) => ({
      type: 'draft.decided' as const,
      draftId: d.id,
      ticketId: d.ticketId,
      status: d.status,
    })),
  );
  return { ok: true, draft: row };
}

/** A manager's or admin's undo of someone else's approval, marked for the audit trail. */
function overrideOf(actor: Actor, draft: Draft): { override?: { role: string } } {
  return draft.decidedBy === actor.id ? {} : { override: { role: actor.role } };
}
