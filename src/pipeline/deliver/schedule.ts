import { sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { insertDelivery } from '../../db/queries/drafts.js';
import { enqueueOutbox } from '../../db/queries/outbox.js';
import type { Delivery, Draft } from '../../db/schema/drafts.js';
import type { Ticket } from '../../db/schema/tickets.js';
import type { Deps } from '../../deps.js';

/**
 * Schedules the delivery of an approved draft (an agent's approval or a reply written by hand), in
 * the caller's transaction: the delivery row — unique per draft, the idempotency key of the send —
 * and the outbox row of the `deliver` job. One function so that both kinds of reply take exactly
 * the same path (channel, recipient, public/internal mode, then `deliver` with its threading and
 * loop guards). With `sendAfterSeconds` the send waits out an undo window (see review/undo.ts).
 */
export async function scheduleDelivery(
  tx: Db,
  config: Pick<Deps['config'], 'ZENDESK_REPLY_MODE'>,
  ticket: Pick<Ticket, 'id' | 'source' | 'requesterEmail'>,
  draft: Pick<Draft, 'id'>,
  options: { sendAfterSeconds?: number } = {},
): Promise<Delivery> {
  const wait = options.sendAfterSeconds ?? 0;
  const delivery = await insertDelivery(tx, {
    draftId: draft.id,
    ticketId: ticket.id,
    ...deliveryTarget(config, ticket),
    ...(wait > 0 ? { sendAfter: sql`now() + make_interval(secs => ${wait})` } : {}),
  });
  // The undo window lives in Postgres: the outbox row becomes available when it ends, so it
  // survives a restart of any process, and an undo deletes the row before any worker sees it.
  await enqueueOutbox(tx, 'deliver', { deliveryId: delivery.id }, { availableInSeconds: wait });
  return delivery;
}

/**
 * Where a reply to this ticket goes: its channel, the email recipient, and whether a Zendesk
 * comment is public. The approval's combined write (`recordApproval`) and `scheduleDelivery` both
 * take it from here.
 */
export function deliveryTarget(
  config: Pick<Deps['config'], 'ZENDESK_REPLY_MODE'>,
  ticket: Pick<Ticket, 'source' | 'requesterEmail'>,
): { channel: Delivery['channel']; recipient: string | null; public: boolean } {
  const channel = ticket.source === 'zendesk' ? 'zendesk' : 'email';
  return {
    channel,
    recipient: channel === 'email' ? (ticket.requesterEmail?.toLowerCase() ?? null) : null,
    public: channel === 'zendesk' ? config.ZENDESK_REPLY_MODE === 'public' : true,
  };
}
