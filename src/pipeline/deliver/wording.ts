import type { Delivery, Draft } from '../../db/schema/drafts.js';
import { NO_SMTP_REASON } from './deliver.js';

/**
 * What happened to a reply, in words that are true: a reply Deskpilot did not send is "held"
 * (with why), a failure is "delivery failed: <reason>" — a property of the delivery, never of the
 * agent who approved it.
 */
export function deliveryWording(delivery: Pick<Delivery, 'state' | 'lastError'>): string {
  const reason = delivery.lastError?.trim() || 'no reason recorded';
  switch (delivery.state) {
    case 'pending':
      return 'waiting to be sent';
    case 'sending':
      return 'sending';
    case 'sent':
      return 'sent';
    case 'blocked':
      return `held — ${reason}`;
    case 'uncertain':
      return `delivery uncertain: ${reason} — check with the customer before sending again`;
    default:
      return `delivery failed: ${reason}`;
  }
}

/**
 * What an agent can do about a held reply, by the reason `deliver` recorded (its `block` calls).
 * A hold is a guard doing its job (loop protection, the daily cap, missing configuration), not a
 * failed send: the agent needs the way forward, not an alarm.
 */
const heldAdvice: Record<string, string> = {
  [NO_SMTP_REASON]: 'An admin sets SMTP_URL; then use Send again.',
  'daily reply cap for this recipient reached':
    'Loop protection: this address already got the most replies allowed in 24 hours ' +
    '(MAX_REPLIES_PER_RECIPIENT_PER_DAY). Use Send again once earlier replies are a day old, or ' +
    'answer the customer another way.',
  'recipient is missing, a robot, or ourselves':
    'Loop protection: this address does not take replies. Check the requester address, answer ' +
    'another way, or solve the ticket.',
  'ticket is automated mail': 'Deskpilot never replies to automated mail: solve the ticket.',
  'Zendesk API credentials are not configured':
    'An admin configures the Zendesk API credentials; then use Send again.',
  'ticket has no Zendesk id': 'Reply in Zendesk itself; this ticket is not linked to one there.',
};

/** The way forward for a held reply (`blocked` delivery), from its recorded reason. */
export function heldAdviceFor(delivery: Pick<Delivery, 'lastError'>): string {
  const reason = delivery.lastError?.trim() ?? '';
  return heldAdvice[reason] ?? 'Fix what it names, then use Send again.';
}

/**
 * One line for a decided draft: who decided (`who` turns the recorded author into what people
 * read, e.g. an API key's name), then what became of the reply.
 */
export function draftStatusLine(
  draft: Pick<Draft, 'status' | 'decidedBy' | 'rejectReason' | 'autoSent' | 'regenerationRequest'>,
  delivery: Pick<Delivery, 'state' | 'lastError'> | null,
  who: (id: string) => string = (id) => id,
): string {
  const by = draft.decidedBy ? ` by ${who(draft.decidedBy)}` : '';
  switch (draft.status) {
    case 'rejected':
      return `Rejected${by}${draft.rejectReason ? ` — ${draft.rejectReason}` : ''}`;
    case 'superseded':
      // Every cause — Regenerate, a newer customer message, an agent's own reply — leaves a newer
      // version; only Regenerate records who asked and what for. A draft retired by someone
      // else's reply keeps its approver in decidedBy, so "by" would name the wrong person.
      return draft.regenerationRequest
        ? `Not sent — regenerated${by} with “${draft.regenerationRequest}”`
        : 'Not sent — replaced by a newer version';
    case 'pending_approval':
      return 'Waiting for approval';
    case 'withdrawn':
      return `Taken back${by} within the undo window — not sent`;
    default: {
      const approved = draft.autoSent ? 'Sent automatically' : `Approved${by}`;
      if (!delivery) return approved;
      const what = deliveryWording(delivery);
      return `${approved} · ${what.charAt(0).toUpperCase()}${what.slice(1)}`;
    }
  }
}

/** Why an undo came too late, from the delivery's state: the send had started or ended. */
export function tooLateWording(delivery: Pick<Delivery, 'state' | 'lastError'> | null): string {
  if (!delivery) return 'Too late to undo: the reply is no longer waiting to be sent.';
  switch (delivery.state) {
    case 'sending':
      return 'Too late to undo: the reply is being sent right now.';
    case 'sent':
      return 'Too late to undo: the reply was already sent.';
    default:
      return `Too late to undo — nothing was sent, but the reply is no longer waiting: ${deliveryWording(delivery)}.`;
  }
}
