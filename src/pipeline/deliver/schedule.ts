import { sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { insertDelivery } from '../../db/queries/drafts.js';
import { enqueueOutbox } from '../../db/queries/outbox.js';
import type { Delivery, Draft } from '../../db/schema/drafts.js';
import type { Ticket } from '../../db/schema/tickets.js';
import type { Deps } from '../../deps.js';
import { neverSendReason } from '../../mail/index.js';

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

/**
 * Why no reply to this ticket can reach its customer, whatever is configured — or null when one
 * can. `deliver` would hold such a reply for good: the recipient is fixed when the reply is
 * approved and Send again finds the same one, so an approval (or a reply written by hand) is
 * refused instead, and the draft pane says so before anyone approves. (Holds that an admin can
 * lift — no SMTP_URL, no Zendesk credentials — and the daily cap are not here: Send again
 * resumes those.)
 */
export interface NoReplyRoute {
  /** What is missing, for the error's message and the draft pane ("… because <why>"). */
  why: string;
  /** What the agent can do instead. */
  instead: string;
}

export function noReplyRoute(
  config: Pick<Deps['config'], 'SUPPORT_ADDRESS'>,
  ticket: Pick<Ticket, 'source' | 'requesterEmail' | 'externalId'>,
): NoReplyRoute | null {
  const solveHere = 'answer the customer another way, then solve the ticket (or reject the draft)';
  if (ticket.source === 'zendesk') {
    return ticket.externalId
      ? null
      : {
          why: 'it is not linked to a Zendesk ticket (no Zendesk id)',
          instead: 'reply in Zendesk itself',
        };
  }
  const address = ticket.requesterEmail?.trim();
  if (!address) {
    return {
      why:
        ticket.source === 'api'
          ? 'it came through the ticket API (POST /webhooks/tickets) without a requester email, and Deskpilot answers such tickets by email'
          : 'the message it came from had no sender address',
      instead: solveHere,
    };
  }
  const never = neverSendReason(address, [config.SUPPORT_ADDRESS]);
  if (!never) return null;
  return {
    why:
      never === 'own-address'
        ? `its requester address ${address} is this support mailbox itself`
        : never === 'role-address'
          ? `its requester address ${address} is an automated one (no-reply, bounces, …) that takes no replies`
          : `its requester address ${address} is not a valid email address`,
    instead: solveHere,
  };
}

/** The sentence an agent reads (the draft pane, the API's error). */
export function noReplyRouteWording(route: NoReplyRoute): string {
  return `No way to reach the customer: ${route.why}. Nothing can be sent from Deskpilot; ${route.instead}.`;
}
