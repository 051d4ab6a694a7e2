import { UnrecoverableError } from 'bullmq';
import {
  type DeliveryContext,
  getDelivery,
  getDeliveryWithDraftAndTicket,
  recordDeliverySent,
  transitionDelivery,
  transitionDraft,
} from '../../db/queries/drafts.js';
import { recordTicketEvent } from '../../db/queries/tickets.js';
import type { Delivery, Draft } from '../../db/schema/drafts.js';
import type { Ticket } from '../../db/schema/tickets.js';
import { withTransaction } from '../../db/tx.js';
import type { Deps } from '../../deps.js';
import { ZendeskError } from '../../integrations/zendesk/errors.js';
import {
  checkDailyCap,
  MailSendError,
  newMessageId,
  renderHtmlFromText,
  replyAddress,
  shouldNeverSendTo,
  threadIds,
} from '../../mail/index.js';
import { raiseAlert } from '../alerts.js';

export type DeliverDeps = Pick<Deps, 'db' | 'config' | 'log' | 'mailer' | 'zendesk' | 'live'>;
/** `undone`: the approval was taken back within the undo window; nothing was sent. */
export type DeliverOutcome = Delivery['state'] | 'undone';

/** Why an email reply is held when no SMTP server is configured (shown to agents as is). */
export const NO_SMTP_REASON = 'no outbound mail is configured (SMTP_URL)';

/** Thrown for a transient failure: the job retries with backoff. */
export class RetryableDeliveryError extends Error {}

export interface DeliverJob {
  finalAttempt: boolean;
  /**
   * Whether the queue will delay the job for this error's Retry-After without using an attempt
   * (queue/retry-after.ts): then even the final attempt is not over, since a rate limit says
   * nothing about the reply.
   */
  waitsOut?: (err: unknown) => boolean;
  /** The Message-ID an earlier attempt saw accepted by the SMTP server but could not record. */
  acceptedMessageId?: string;
  /** Stores that Message-ID outside the database (with the job) for the retry. */
  rememberAccepted?: (messageId: string) => Promise<unknown>;
}

/**
 * A reply that does not go out: the delivery row moves from one of `from` to `state`, the draft
 * becomes delivery_failed and the ticket records why, in one transaction. Nothing happens when the
 * row had already moved on (another attempt decided it).
 */
async function recordNotSent(
  deps: DeliverDeps,
  delivery: Delivery,
  draft: Draft,
  change: {
    from: Delivery['state'][];
    state: 'blocked' | 'failed' | 'uncertain';
    lastError: string;
    event: Record<string, unknown>;
  },
): Promise<void> {
  await withTransaction(deps.db, async (tx) => {
    const row = await transitionDelivery(tx, delivery.id, change.from, {
      state: change.state,
      lastError: change.lastError,
    });
    if (!row) return;
    await transitionDraft(tx, draft.id, { status: 'approved' }, { status: 'delivery_failed' });
    await recordTicketEvent(tx, {
      ticketId: delivery.ticketId,
      type: 'delivery_failed',
      actorKind: 'system',
      data: { deliveryId: delivery.id, draftId: draft.id, ...change.event },
    });
  });
}

async function block(
  deps: DeliverDeps,
  delivery: Delivery,
  draft: Draft,
  reason: string,
): Promise<DeliverOutcome> {
  await recordNotSent(deps, delivery, draft, {
    from: ['pending'],
    state: 'blocked',
    lastError: reason,
    event: { reason, blocked: true },
  });
  deps.log.warn({ deliveryId: delivery.id, reason }, 'delivery blocked');
  return 'blocked';
}

async function markSent(
  deps: DeliverDeps,
  delivery: Delivery,
  draft: Draft,
  ticket: Ticket,
  sent: {
    emailMessageId?: string | null;
    externalId?: string | null;
    inReplyTo?: string | null;
    references?: string[];
  },
): Promise<void> {
  await recordDeliverySent(deps.db, {
    deliveryId: delivery.id,
    draftId: draft.id,
    ticketId: ticket.id,
    externalId: sent.externalId ?? null,
    message: {
      ticketId: ticket.id,
      direction: 'outbound',
      // An approved AI draft is an agent's reply for first-response metrics; auto-sent is the AI's.
      authorKind: draft.autoSent ? 'ai' : 'agent',
      authorEmail: delivery.channel === 'email' ? deps.config.SUPPORT_ADDRESS : null,
      authorName: draft.decidedBy,
      externalId: sent.externalId ?? null,
      public: delivery.public,
      bodyText: draft.finalText ?? draft.bodyText,
      strippedText: draft.finalText ?? draft.bodyText,
      emailMessageId: sent.emailMessageId ?? null,
      emailInReplyTo: sent.inReplyTo ?? null,
      emailReferences: sent.references ?? [],
      sentAt: new Date(),
      // Dated when it was approved: it answers what the customer had written by then, not a
      // follow-up that arrived during the undo window (that one still needs a reply).
      ...(draft.decidedAt ? { createdAt: draft.decidedAt } : {}),
    },
    event: {
      actorKind: draft.autoSent ? 'ai' : 'agent',
      actorId: draft.decidedBy,
      data: {
        deliveryId: delivery.id,
        draftId: draft.id,
        channel: delivery.channel,
        public: delivery.public,
        auto: draft.autoSent,
      },
    },
    // Answered: waiting on the customer (Zendesk's "pending").
    ticketAnswered: delivery.public,
  });
}

async function fail(
  deps: DeliverDeps,
  delivery: Delivery,
  draft: Draft,
  reason: string,
  state: 'failed' | 'uncertain',
) {
  await recordNotSent(deps, delivery, draft, {
    from: ['pending', 'sending'],
    state,
    lastError: reason.slice(0, 500),
    event: { reason: reason.slice(0, 200), state },
  });
  await raiseAlert(deps, {
    kind: state === 'uncertain' ? 'delivery_uncertain' : 'delivery_failed',
    summary:
      state === 'uncertain'
        ? 'A reply may or may not have been sent (worker stopped mid-send); check before resending'
        : `A reply could not be delivered: ${reason.slice(0, 120)}`,
    ticketId: delivery.ticketId,
    draftId: draft.id,
    deliveryId: delivery.id,
  });
}

/**
 * Delivers one approved draft exactly once. The delivery row is the state machine:
 * pending → sending (committed before the external call) → sent. Email has no idempotency at the
 * SMTP level, so a row found in `sending` (the worker died between the send and the record) is
 * never sent again: it becomes `uncertain` and a human is alerted — unless the earlier attempt
 * lived to note, with the job, that the server accepted the mail (the record failed, not the
 * worker), in which case the retry records it as sent. Zendesk comments carry an
 * idempotency key and an audit marker, so there the send is retried safely.
 */
export async function deliver(
  deps: DeliverDeps,
  deliveryId: string,
  job: DeliverJob,
): Promise<DeliverOutcome> {
  const state = await deliverOnce(deps, deliveryId, job);
  // Open inbox pages refresh the delivery's row; each state change above has committed.
  await deps.live.publish({ type: 'delivery.changed', deliveryId, state });
  return state;
}

async function deliverOnce(
  deps: DeliverDeps,
  deliveryId: string,
  job: DeliverJob,
): Promise<DeliverOutcome> {
  const loaded = await getDeliveryWithDraftAndTicket(deps.db, deliveryId);
  // An undone approval deletes its delivery; a job relayed before the undo finds nothing to do.
  if (!loaded) {
    deps.log.info({ deliveryId }, 'delivery no longer exists (approval undone): nothing sent');
    return 'undone';
  }
  const { delivery, draft, ticket } = loaded;
  if (['sent', 'failed', 'blocked', 'uncertain'].includes(delivery.state)) return delivery.state;
  if (!draft || !ticket)
    throw new UnrecoverableError(`delivery ${deliveryId} lost its draft or ticket`);

  if (ticket.automated) return block(deps, delivery, draft, 'ticket is automated mail');
  if (delivery.channel === 'email') {
    return deliverEmail(deps, delivery, draft, ticket, job, loaded);
  }
  return deliverZendesk(deps, delivery, draft, ticket, job);
}

async function deliverEmail(
  deps: DeliverDeps,
  delivery: Delivery,
  draft: Draft,
  ticket: Ticket,
  job: DeliverJob,
  context: Pick<DeliveryContext, 'sentToday' | 'lastInbound'>,
): Promise<DeliverOutcome> {
  if (delivery.state === 'sending') {
    if (job.acceptedMessageId && job.acceptedMessageId === delivery.emailMessageId) {
      // The server took it; only the record was missing (the database was away).
      const { inReplyTo, references } = threading(context.lastInbound, job.acceptedMessageId);
      await markSent(deps, delivery, draft, ticket, {
        emailMessageId: job.acceptedMessageId,
        inReplyTo,
        references,
      });
      deps.log.info({ deliveryId: delivery.id }, 'recorded a send accepted by an earlier attempt');
      return 'sent';
    }
    await fail(deps, delivery, draft, 'worker stopped between sending and recording', 'uncertain');
    return 'uncertain';
  }
  const mailer = deps.mailer;
  if (!mailer) return block(deps, delivery, draft, NO_SMTP_REASON);
  const recipient = delivery.recipient;
  if (!recipient || shouldNeverSendTo(recipient, [deps.config.SUPPORT_ADDRESS])) {
    return block(deps, delivery, draft, 'recipient is missing, a robot, or ourselves');
  }
  if (!checkDailyCap(context.sentToday, deps.config.MAX_REPLIES_PER_RECIPIENT_PER_DAY).allowed) {
    return block(deps, delivery, draft, 'daily reply cap for this recipient reached');
  }
  const domain = deps.config.SUPPORT_ADDRESS.split('@')[1] ?? 'localhost';
  const messageId = delivery.emailMessageId ?? newMessageId(domain);
  const { inReplyTo, references } = threading(context.lastInbound, messageId);
  const claimed = await transitionDelivery(deps.db, delivery.id, ['pending'], {
    state: 'sending',
    attempts: delivery.attempts + 1,
    emailMessageId: messageId,
  });
  if (!claimed) return (await getDelivery(deps.db, delivery.id))?.state ?? 'undone';

  const text = draft.finalText ?? draft.bodyText;
  const subject = /^re:/i.test(ticket.subject.trim())
    ? ticket.subject.trim()
    : `Re: ${ticket.subject.trim() || 'your request'}`;
  try {
    await mailer.send({
      to: { address: recipient, name: ticket.requesterName },
      subject,
      text,
      html: renderHtmlFromText(text),
      messageId,
      inReplyTo,
      references,
      replyTo: replyAddress(deps.config.SUPPORT_ADDRESS, ticket.replyToken),
      autoSubmitted: draft.autoSent,
      headers: { 'X-Deskpilot-Ticket': ticket.id },
    });
  } catch (err) {
    const error =
      err instanceof MailSendError ? err : new MailSendError(String(err), { permanent: false });
    if (error.permanent || job.finalAttempt) {
      // The server refused it, so it was not sent: failing is safe and final.
      await transitionDelivery(deps.db, delivery.id, ['sending'], { state: 'pending' });
      await fail(deps, { ...delivery, state: 'pending' }, draft, error.message, 'failed');
      return 'failed';
    }
    // Transient (4xx, connection refused): not accepted by the server; retry later.
    await transitionDelivery(deps.db, delivery.id, ['sending'], {
      state: 'pending',
      lastError: error.message.slice(0, 500),
    });
    throw new RetryableDeliveryError(error.message);
  }
  try {
    await markSent(deps, { ...delivery, state: 'sending' }, draft, ticket, {
      emailMessageId: messageId,
      inReplyTo,
      references,
    });
  } catch (err) {
    // Sent but not recorded (typically Postgres went away): without a note of the acceptance the
    // retry would find `sending` and could only call it uncertain. Redis keeps the note.
    await job
      .rememberAccepted?.(messageId)
      .catch((noteErr: unknown) =>
        deps.log.warn(
          { deliveryId: delivery.id, err: noteErr instanceof Error ? noteErr.message : noteErr },
          'could not note an accepted send; its retry will mark it uncertain',
        ),
      );
    throw err;
  }
  return 'sent';
}

/** In-Reply-To and References for a reply: threaded under the customer's latest mail. */
function threading(lastInbound: DeliveryContext['lastInbound'], messageId: string) {
  return threadIds(
    lastInbound?.emailReferences ?? [],
    lastInbound?.emailMessageId ?? null,
    messageId,
  );
}

async function deliverZendesk(
  deps: DeliverDeps,
  delivery: Delivery,
  draft: Draft,
  ticket: Ticket,
  job: DeliverJob,
): Promise<DeliverOutcome> {
  if (!deps.zendesk)
    return block(deps, delivery, draft, 'Zendesk API credentials are not configured');
  if (!ticket.externalId) return block(deps, delivery, draft, 'ticket has no Zendesk id');
  const retrying = delivery.state === 'sending' || delivery.attempts > 0;
  const claimed = await transitionDelivery(deps.db, delivery.id, ['pending', 'sending'], {
    state: 'sending',
    attempts: delivery.attempts + 1,
  });
  if (!claimed) return (await getDelivery(deps.db, delivery.id))?.state ?? 'undone';
  try {
    const result = await deps.zendesk.addComment(
      ticket.externalId,
      { body: draft.finalText ?? draft.bodyText, public: delivery.public },
      // Same key on every attempt; after an uncertain attempt the client looks for our audit marker
      // before posting again.
      { idempotencyKey: `deskpilot-delivery-${delivery.id}`, lookupExisting: retrying },
    );
    await markSent(deps, claimed, draft, ticket, { externalId: result.commentId });
    return 'sent';
  } catch (err) {
    const retryable = err instanceof ZendeskError ? err.retryable : true;
    const message = err instanceof Error ? err.message : String(err);
    if (!retryable || (job.finalAttempt && !job.waitsOut?.(err))) {
      await fail(deps, claimed, draft, message, 'failed');
      return 'failed';
    }
    // The cause travels with it: a rate limit's Retry-After decides when the job runs again.
    throw new RetryableDeliveryError(message, { cause: err });
  }
}
