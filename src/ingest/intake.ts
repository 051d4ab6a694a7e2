import type { Db } from '../db/client.js';
import { claimInboxEvent, findInboxEvent, linkInboxEvent, useNonce } from '../db/queries/inbox.js';
import { enqueueOutbox } from '../db/queries/outbox.js';
import {
  findRepeatedMessage,
  findTicketByEmailThread,
  findTicketByReplyToken,
  insertMessage,
  type NewTicketEvent,
  recordTicketEvents,
  setMessageExternalId,
  setTicketStatus,
  upsertTicket,
} from '../db/queries/tickets.js';
import type { Ticket, TicketStatus } from '../db/schema/tickets.js';
import { withTransaction } from '../db/tx.js';
import { AppError } from '../http/errors.js';
import type { InboundDelivery, IntakeResult } from './types.js';

const closedStatuses: ReadonlySet<TicketStatus> = new Set(['solved', 'closed']);

/**
 * Persists one delivery in a single transaction: inbox event (dedupe), ticket, message, lifecycle
 * events and the outbox row that schedules triage. Either all of it is written or none of it, so a
 * sender that sees an error can retry safely, and a redelivery changes nothing.
 */
export async function acceptDelivery(db: Db, delivery: InboundDelivery): Promise<IntakeResult> {
  return withTransaction(db, async (tx) => {
    const inboxId = await claimInboxEvent(tx, {
      source: delivery.source,
      dedupeKey: delivery.dedupeKey,
      eventType: delivery.eventType,
      signature: delivery.signature,
    });
    if (!inboxId) {
      const existing = await findInboxEvent(tx, delivery.source, delivery.dedupeKey);
      return {
        outcome: 'duplicate',
        ticketId: existing?.ticketId ?? null,
        messageId: existing?.messageId ?? null,
        ticketCreated: false,
      };
    }

    const { ticket, created } = await resolveTicket(tx, delivery);
    // Events are written together at the end: one statement instead of one per event.
    const events: NewTicketEvent[] = [];
    if (created) {
      events.push({
        ticketId: ticket.id,
        type: 'created',
        actorKind: 'system',
        data: { source: delivery.source, channel: ticket.channel, eventType: delivery.eventType },
        createdAt: delivery.message?.createdAt,
      });
    }

    if (delivery.nonce) {
      const fresh = await useNonce(
        tx,
        delivery.source,
        delivery.nonce.value,
        delivery.nonce.ttlSeconds,
      );
      // Rolls back the whole transaction: a replayed one-time token writes nothing.
      if (!fresh) throw new AppError('replayed_request', 'This signed request was already used');
    }

    let messageId: string | null = null;
    const repeated =
      delivery.message && !created
        ? await findRepeatedMessage(tx, ticket.id, {
            externalId: delivery.message.externalId ?? null,
            bodyText: delivery.message.bodyText,
          })
        : null;
    if (repeated) {
      messageId = repeated.id;
      if (!repeated.externalId && delivery.message?.externalId) {
        await setMessageExternalId(tx, repeated.id, delivery.message.externalId);
      }
    } else if (delivery.message) {
      const m = delivery.message;
      const message = await insertMessage(tx, {
        ticketId: ticket.id,
        direction: m.authorKind === 'customer' ? 'inbound' : 'outbound',
        authorKind: m.authorKind,
        authorEmail: m.authorEmail ?? null,
        authorName: m.authorName ?? null,
        externalId: m.externalId ?? null,
        public: m.public ?? true,
        bodyText: m.bodyText,
        bodyHtml: m.bodyHtml ?? null,
        strippedText: m.strippedText ?? m.bodyText,
        emailMessageId: m.emailMessageId ?? null,
        emailInReplyTo: m.emailInReplyTo ?? null,
        emailReferences: m.emailReferences ?? [],
        attachments: m.attachments ?? [],
        ...(m.createdAt ? { createdAt: m.createdAt } : {}),
      });
      messageId = message.id;
      events.push({
        ticketId: ticket.id,
        type: 'message_received',
        actorKind: m.authorKind,
        data: {
          messageId,
          public: m.public ?? true,
          automated: m.automated ?? false,
        },
        createdAt: m.createdAt,
      });
      const fromPerson = m.authorKind === 'customer' && !m.automated;
      // A customer writing on a solved ticket reopens it (metrics count the reopen); an
      // out-of-office reply to our answer does not.
      if (!created && fromPerson && closedStatuses.has(ticket.status)) {
        await changeStatus(tx, ticket, 'open', 'customer', events);
      }
      if (fromPerson) {
        await enqueueOutbox(tx, 'triage', { ticketId: ticket.id, messageId });
      }
    }

    if (delivery.statusChange && delivery.statusChange.status !== ticket.status && !created) {
      await changeStatus(tx, ticket, delivery.statusChange.status, 'integration', events);
    }

    await recordTicketEvents(tx, events);
    await linkInboxEvent(tx, inboxId, { ticketId: ticket.id, messageId });
    return { outcome: 'accepted', ticketId: ticket.id, messageId, ticketCreated: created };
  });
}

async function resolveTicket(
  tx: Db,
  delivery: InboundDelivery,
): Promise<{ ticket: Ticket; created: boolean }> {
  const t = delivery.ticket;
  if (!t.externalId) {
    const byToken = delivery.thread?.replyToken
      ? await findTicketByReplyToken(tx, delivery.thread.replyToken)
      : null;
    const existing =
      byToken ?? (await findTicketByEmailThread(tx, delivery.thread?.emailMessageIds ?? []));
    if (existing) return { ticket: existing, created: false };
  }
  // With a helpdesk id, the upsert finds an existing ticket itself (ON CONFLICT), in one round trip.
  return upsertTicket(tx, {
    source: delivery.source,
    externalId: t.externalId ?? null,
    subject: (t.subject ?? '').slice(0, 998),
    requesterEmail: t.requesterEmail?.toLowerCase() ?? null,
    requesterName: t.requesterName ?? null,
    channel: t.channel,
    status: t.status ?? 'new',
    tags: t.tags ?? [],
    language: t.language ?? null,
    automated: t.automated ?? false,
    automatedReason: t.automatedReason ?? null,
    ...(delivery.message?.createdAt ? { createdAt: delivery.message.createdAt } : {}),
  });
}

async function changeStatus(
  tx: Db,
  ticket: Ticket,
  status: TicketStatus,
  actorKind: 'customer' | 'integration' | 'agent' | 'system',
  events: NewTicketEvent[],
): Promise<void> {
  await setTicketStatus(tx, ticket.id, status);
  const wasClosed = closedStatuses.has(ticket.status);
  const nowClosed = closedStatuses.has(status);
  events.push({
    ticketId: ticket.id,
    type:
      nowClosed && !wasClosed ? 'solved' : wasClosed && !nowClosed ? 'reopened' : 'status_changed',
    actorKind,
    data: { from: ticket.status, to: status },
  });
}
