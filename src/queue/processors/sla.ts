import { getDraft, markDraftOverdue } from '../../db/queries/drafts.js';
import { recordTicketEvent } from '../../db/queries/tickets.js';
import { withTransaction } from '../../db/tx.js';
import { raiseAlert } from '../../pipeline/alerts.js';
import type { Processor } from './types.js';

/** Fires at the draft's SLA due time: still pending → overdue, event, and the team is told. */
export const processSla: Processor<'sla'> = async (deps, payload) => {
  const draft = await getDraft(deps.db, payload.draftId);
  if (draft?.status !== 'pending_approval' || draft.overdue) return { overdue: false };
  if (draft.slaDueAt && draft.slaDueAt.getTime() > Date.now() + 1_000) {
    // Fired early (clock skew between hosts): fail so BullMQ retries it with backoff.
    throw new Error(`draft ${draft.id} is not due until ${draft.slaDueAt.toISOString()}`);
  }
  const marked = await withTransaction(deps.db, async (tx) => {
    if (!(await markDraftOverdue(tx, draft.id))) return false;
    await recordTicketEvent(tx, {
      ticketId: draft.ticketId,
      type: 'overdue',
      actorKind: 'system',
      data: { draftId: draft.id, dueAt: draft.slaDueAt?.toISOString() ?? null },
    });
    return true;
  });
  if (marked) {
    await raiseAlert(deps, {
      kind: 'draft_overdue',
      summary: 'A draft reply is past its SLA and still waiting for approval',
      ticketId: draft.ticketId,
      draftId: draft.id,
    });
  }
  return { overdue: marked };
};
