import type { Actor } from '../../auth/actor.js';
import { canAccessTicket } from '../../auth/team-scope.js';
import { getDelivery, transitionDelivery, transitionDraft } from '../../db/queries/drafts.js';
import { enqueueOutbox } from '../../db/queries/outbox.js';
import { recordTicketEvent } from '../../db/queries/tickets.js';
import { afterCommit, withTransaction } from '../../db/tx.js';
import type { Deps } from '../../deps.js';

export type RetryResult =
  | { ok: true }
  | { ok: false; reason: 'not_found' | 'not_retryable' | 'needs_confirmation' };

/**
 * A human sends a failed reply again. `failed` and `blocked` deliveries never reached the
 * customer, so they go back to `pending`; an `uncertain` one (the worker died mid-send) may have
 * been delivered, so it is only retried when the agent confirms the customer did not receive it —
 * the state machine never resends on its own. The new deliver job comes from the outbox.
 * A delivery on another team's ticket answers exactly like a missing one.
 */
export async function retryDelivery(
  deps: Pick<Deps, 'db' | 'live'>,
  input: { deliveryId: string; actor: Actor; confirmNotReceived?: boolean },
): Promise<RetryResult> {
  const delivery = await getDelivery(deps.db, input.deliveryId);
  if (!delivery || !(await canAccessTicket(deps.db, input.actor, delivery.ticketId))) {
    return { ok: false, reason: 'not_found' };
  }
  if (delivery.state === 'uncertain' && !input.confirmNotReceived) {
    return { ok: false, reason: 'needs_confirmation' };
  }
  if (!['failed', 'blocked', 'uncertain'].includes(delivery.state)) {
    return { ok: false, reason: 'not_retryable' };
  }
  return withTransaction(deps.db, async (tx): Promise<RetryResult> => {
    const row = await transitionDelivery(tx, delivery.id, [delivery.state], {
      state: 'pending',
      lastError: null,
    });
    if (!row) return { ok: false, reason: 'not_retryable' };
    await transitionDraft(
      tx,
      delivery.draftId,
      { status: 'delivery_failed' },
      { status: 'approved' },
    );
    await recordTicketEvent(tx, {
      ticketId: delivery.ticketId,
      type: 'delivery_retried',
      actorKind: 'agent',
      actorId: input.actor.id,
      data: { deliveryId: delivery.id, from: delivery.state },
    });
    await enqueueOutbox(tx, 'deliver', { deliveryId: delivery.id });
    afterCommit(tx, () =>
      deps.live.publish({ type: 'delivery.changed', deliveryId: delivery.id, state: row.state }),
    );
    return { ok: true };
  });
}
