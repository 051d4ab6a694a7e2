import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { PgTransaction } from 'drizzle-orm/pg-core';
import type { Db } from '../db/client.js';
import { retirePendingDrafts, syncTicketDraftState } from '../db/queries/draft-state.js';
import { listZendeskRepliesSent } from '../db/queries/drafts.js';
import {
  claimInboxEvent,
  findInboxEvent,
  linkInboxEvent,
  useNonce,
} from '../db/queries/inbox-events.js';
import { insertNewTicketDelivery } from '../db/queries/intake.js';
import { enqueueOutbox } from '../db/queries/outbox.js';
import {
  findRepeatedMessage,
  findTicketByEmailThread,
  findTicketByReplyToken,
  insertMessage,
  isTicketParticipant,
  type NewTicketEvent,
  recordTicketEvents,
  setMessageExternalId,
  setTicketStatus,
  upsertTicket,
} from '../db/queries/tickets.js';
import { rowsOf } from '../db/rows.js';
import type { NewMessage } from '../db/schema/messages.js';
import type { NewTicket, Ticket, TicketStatus } from '../db/schema/tickets.js';
import { wakeOutboxAfterCommit, withTransaction } from '../db/tx.js';
import { AppError } from '../errors.js';
import { parseJobPayload } from '../jobs/payloads.js';
import { type LiveEvents, publishAfterCommit } from '../live/events.js';
import {
  messageReplyDueSql,
  untriagedReplyDueSql,
  untriagedReplySeconds,
} from '../metrics/reply-due.js';
import type { InboundDelivery, IntakeResult } from './types.js';

const closedStatuses: ReadonlySet<TicketStatus> = new Set(['solved', 'closed']);

/**
 * Persists one inbound delivery in a single transaction: inbox event (dedupe), ticket, message, lifecycle
 * events and the outbox row that schedules triage. Either all of it is written or none of it, so a
 * sender that sees an error can retry safely, and a redelivery changes nothing.
 *
 * An inbound delivery that announces a new helpdesk ticket (the common case at volume) is first tried as
 * one statement (acceptNewTicket); whenever that writes nothing, the general transaction below
 * runs and decides, so both give the same answers.
 */
export interface IntakeOptions {
  /**
   * Email-only setups (SOLVE_KEYWORDS): a customer reply saying only one of these words solves
   * the ticket instead of reopening or triaging it.
   */
  solveKeywords?: readonly string[];
  /**
   * SLA settings: with them, a customer message on an existing ticket sets the ticket's reply due
   * time (`reply_due_at`, the "Overdue" view) at once, by the next-reply rule.
   */
  sla?: Parameters<typeof messageReplyDueSql>[0];
  /** Open pages are told when a delivery retires drafts (answered or solved in the helpdesk). */
  live?: LiveEvents;
}

export async function acceptDelivery(
  db: Db,
  input: InboundDelivery,
  options: IntakeOptions = {},
): Promise<IntakeResult> {
  const inbound = withoutNul(input);
  if (canTryNewTicketStatement(db, inbound)) {
    const accepted = await acceptNewTicket(db, inbound, options);
    if (accepted) return accepted;
  }
  return acceptInTransaction(db, inbound, options);
}

/**
 * A reply that only says a solve keyword ("Resolved.", "solved!"), quoted history and signature
 * already stripped. Whole-message match only, so "not resolved yet" does not solve anything.
 */
export function isSolveKeyword(text: string, keywords: readonly string[]): boolean {
  if (keywords.length === 0) return false;
  const said = text
    .trim()
    .toLowerCase()
    .replace(/[\s.!,;:]+$/u, '');
  return said.length > 0 && keywords.some((k) => k.trim().toLowerCase() === said);
}

/**
 * The one-statement path covers exactly what a new ticket needs: no nonce (it would have to roll
 * back the rest), and no enclosing transaction (a lost race aborts the statement, which would abort
 * the caller's transaction too). It takes a delivery that announces a new helpdesk ticket (a
 * helpdesk id, so the statement can tell whether it exists), and mail that names no thread at all:
 * without a helpdesk id, a reply token or a Message-ID it answers, the general path has nothing to
 * look up and always opens a new ticket (most inbound mail: every first message of a
 * conversation). Status changes, reopens and repeated-message detection only apply to existing
 * tickets, which this path never touches.
 */
function canTryNewTicketStatement(db: Db, inbound: InboundDelivery): boolean {
  const announced = inbound.createsTicket === true && Boolean(inbound.ticket.externalId);
  const unthreaded =
    !inbound.ticket.externalId &&
    !inbound.thread?.replyToken &&
    (inbound.thread?.emailMessageIds ?? []).length === 0;
  return (
    (announced || unthreaded) &&
    !inbound.nonce &&
    !inbound.helpdeskStatus &&
    !(db instanceof PgTransaction)
  );
}

async function acceptNewTicket(
  db: Db,
  inbound: InboundDelivery,
  options: IntakeOptions,
): Promise<IntakeResult | null> {
  const ticketId = randomUUID();
  const messageId = inbound.message ? randomUUID() : null;
  const ticket = { id: ticketId, ...newTicketValues(inbound) };
  const m = inbound.message;
  const events: NewTicketEvent[] = [createdEvent(ticketId, ticket.channel, inbound)];
  const outbox: { jobName: string; payload: Record<string, unknown> }[] = [];
  const importedClosed = closedStatuses.has(ticket.status as TicketStatus);
  // A customer's first message starts the first-reply clock at once (the "Overdue" view), drafted
  // or not: see the same rule in the general path.
  let replyClock = false;
  if (m && messageId) {
    events.push(messageReceivedEvent(ticketId, messageId, m));
    if (isFromPerson(m) && !importedClosed) {
      replyClock = Boolean(options.sla);
      outbox.push({
        jobName: 'triage',
        payload: parseJobPayload('triage', { ticketId, messageId }),
      });
    }
  }
  if (importedClosed) events.push(importedSolveEvent(ticketId, inbound));
  let replyDueSeconds = replyClock && options.sla ? untriagedReplySeconds(options.sla) : null;
  if (replyClock && options.sla && replyDueSeconds === null) {
    // A first-reply target in business hours: Postgres walks the calendar first, and the one
    // statement writes the answer with the ticket, so no ticket ever exists without its clock.
    const clock = await businessHoursFirstReply(db, options.sla, ticket.createdAt ?? null);
    ticket.createdAt = clock.createdAt;
    replyDueSeconds = clock.seconds;
  }
  const written = await insertNewTicketDelivery(db, {
    inboxEvent: {
      source: inbound.source,
      dedupeKey: inbound.dedupeKey,
      eventType: inbound.eventType,
      signature: inbound.signature,
      ticketId,
      messageId,
    },
    ticket: {
      ...ticket,
      externalId: inbound.ticket.externalId ?? null,
      replyDueSeconds,
    },
    message: m && messageId ? { id: messageId, ...newMessageValues(ticketId, m) } : null,
    events: events.map(({ ticketId: _, ...event }) => event),
    outbox,
  });
  if (!written) return null;
  // One statement outside any transaction: it has committed, so the relay can look now.
  if (outbox.length > 0) wakeOutboxAfterCommit(db);
  return { outcome: 'accepted', ticketId, messageId, ticketCreated: true };
}

/**
 * A new ticket's creation time (the sender's, else now, to the millisecond so that it survives the
 * round trip through a JS Date exactly) and its first-reply target in business hours as seconds
 * from it, for the one-statement path to write with the ticket. Reads only: if it fails, nothing
 * was written.
 */
async function businessHoursFirstReply(
  db: Db,
  sla: NonNullable<IntakeOptions['sla']>,
  createdAt: Date | null,
): Promise<{ createdAt: Date; seconds: number }> {
  const [row] = rowsOf<{ at: string | Date; seconds: number }>(
    await db.execute(sql`select s.at,
        extract(epoch from ${untriagedReplyDueSql(sla, sql`s.at`)} - s.at)::float8 as seconds
      from (select date_trunc('milliseconds',
        coalesce(${createdAt?.toISOString() ?? null}::timestamptz, now())) as at) s`),
  );
  if (!row) throw new Error('no answer computing the first-reply target');
  return { createdAt: new Date(row.at), seconds: Number(row.seconds) };
}

async function acceptInTransaction(
  db: Db,
  inbound: InboundDelivery,
  options: IntakeOptions,
): Promise<IntakeResult> {
  return withTransaction(db, async (tx) => {
    const inboxEventId = await claimInboxEvent(tx, {
      source: inbound.source,
      dedupeKey: inbound.dedupeKey,
      eventType: inbound.eventType,
      signature: inbound.signature,
    });
    if (!inboxEventId) {
      const existing = await findInboxEvent(tx, inbound.source, inbound.dedupeKey);
      return {
        outcome: 'duplicate',
        ticketId: existing?.ticketId ?? null,
        messageId: existing?.messageId ?? null,
        ticketCreated: false,
      };
    }

    const { ticket, created } = await resolveTicket(tx, inbound);
    // Events are written together at the end: one statement instead of one per event.
    const events: NewTicketEvent[] = [];
    if (created) events.push(createdEvent(ticket.id, ticket.channel, inbound));
    // Imported already solved (status on the creating event): on record as solved at the event's
    // time, and never triaged or drafted.
    const importedClosed = created && closedStatuses.has(ticket.status);
    if (importedClosed) events.push(importedSolveEvent(ticket.id, inbound));
    let answered = false;

    if (inbound.nonce) {
      const fresh = await useNonce(
        tx,
        inbound.source,
        inbound.nonce.value,
        inbound.nonce.ttlSeconds,
      );
      // Rolls back the whole transaction: a replayed one-time token writes nothing.
      if (!fresh) throw new AppError('replayed_request', 'This signed request was already used');
    }

    let messageId: string | null = null;
    /** A new message row on the ticket (not a redelivery, not our own reply coming back). */
    let stored = false;
    const repeated =
      inbound.message && !created
        ? await findRepeatedMessage(tx, ticket.id, {
            externalId: inbound.message.externalId ?? null,
            bodyText: inbound.message.bodyText,
          })
        : null;
    // One of our own replies coming back through the helpdesk (a trigger on "is created or
    // updated", or a comment event that overtook the record of the send): already stored as
    // delivered, with the right author (an auto-sent reply is the AI's, not an agent's).
    const ownReply =
      !repeated &&
      !created &&
      inbound.source === 'zendesk' &&
      inbound.message !== undefined &&
      inbound.message.authorKind !== 'customer' &&
      isOwnReply(inbound.message, await listZendeskRepliesSent(tx, ticket.id));
    if (repeated) {
      messageId = repeated.id;
      if (!repeated.externalId && inbound.message?.externalId) {
        await setMessageExternalId(tx, repeated.id, inbound.message.externalId);
      }
    } else if (inbound.message && !ownReply) {
      const m = inbound.message;
      const message = await insertMessage(tx, newMessageValues(ticket.id, m));
      messageId = message.id;
      stored = true;
      events.push(messageReceivedEvent(ticket.id, messageId, m));
      const fromPerson = isFromPerson(m);
      const solves =
        !created &&
        fromPerson &&
        isSolveKeyword(m.strippedText ?? m.bodyText, options.solveKeywords ?? []);
      if (solves) {
        // "Resolved": the customer closes the request; nothing to triage or answer.
        if (!closedStatuses.has(ticket.status)) {
          await changeStatus(
            tx,
            ticket,
            'solved',
            'customer',
            events,
            inbound.occurredAt ?? m.createdAt,
          );
        }
      } else {
        // A customer writing on a solved ticket reopens it (metrics count the reopen); an
        // out-of-office reply to our answer does not.
        if (!created && fromPerson && closedStatuses.has(ticket.status)) {
          await changeStatus(
            tx,
            ticket,
            'open',
            'customer',
            events,
            inbound.occurredAt ?? m.createdAt,
          );
        }
        if (fromPerson && !importedClosed) {
          await enqueueOutbox(tx, 'triage', { ticketId: ticket.id, messageId });
          if (!created || options.sla) {
            // The clock runs from the oldest unanswered customer message (its draft, written
            // later, is due by the same rule): overdue even if no draft is ever written. An
            // answered ticket has a question again, with no draft yet ("Needs a human reply"
            // until its draft is written).
            const due = options.sla
              ? sql`, reply_due_at = ${messageReplyDueSql(options.sla, {
                  ticketId: ticket.id,
                  ticketCreatedAt: ticket.createdAt,
                  messageCreatedAt: message.createdAt,
                })}`
              : sql``;
            await tx.execute(
              sql`update tickets set draft_state = case when draft_state = 'answered' then 'none'
                else draft_state end ${due} where id = ${ticket.id}`,
            );
          }
        }
      }
      // An agent answered in the helpdesk: drafts still waiting are no longer the reply.
      answered = m.authorKind === 'agent' && (m.public ?? true);
    }

    if (inbound.statusChange?.deleted && !created) {
      await deleteTicket(tx, ticket, inbound, events);
    } else if (inbound.statusChange && inbound.statusChange.status !== ticket.status && !created) {
      await changeStatus(
        tx,
        ticket,
        inbound.statusChange.status,
        'integration',
        events,
        inbound.occurredAt,
      );
    }
    // Solved or deleted in the helpdesk: nothing left to answer either way.
    const solvedNow = events.some((e) => e.type === 'solved' || e.type === 'deleted');
    let retired = 0;
    if (!created && (answered || solvedNow)) {
      // Re-derived even when nothing was pending (the latest draft rejected or failed): the
      // answer stops the reply clock, so the ticket leaves the "Overdue" view.
      retired = await retirePendingDrafts(tx, ticket.id);
      if (retired === 0) await syncTicketDraftState(tx, ticket.id);
    }
    const change = created ? null : ticketChange({ retired, solvedNow, stored, events });
    if (change && options.live) {
      publishAfterCommit(options.live, tx, { type: 'ticket.changed', ticketId: ticket.id, change });
    }
    if (inbound.helpdeskStatus) {
      events.push({
        ticketId: ticket.id,
        type: 'helpdesk_status',
        actorKind: 'integration',
        data: { status: inbound.helpdeskStatus, kept: ticket.status },
      });
    }

    await recordTicketEvents(tx, events);
    await linkInboxEvent(tx, inboxEventId, { ticketId: ticket.id, messageId });
    return { outcome: 'accepted', ticketId: ticket.id, messageId, ticketCreated: created };
  });
}

async function resolveTicket(
  tx: Db,
  inbound: InboundDelivery,
): Promise<{ ticket: Ticket; created: boolean }> {
  const t = inbound.ticket;
  if (!t.externalId) {
    const byToken = inbound.thread?.replyToken
      ? await findTicketByReplyToken(tx, inbound.thread.replyToken)
      : null;
    const existing =
      byToken ?? (await findTicketByEmailThread(tx, inbound.thread?.emailMessageIds ?? []));
    // A reply token or a Message-ID is no proof of who writes: only the ticket's participants
    // thread onto it. Anyone else (a forward to a colleague, or someone who learnt the token)
    // opens a new ticket, tagged with the one it referred to so an agent can link them.
    // Automated mail (bounces from a mailer daemon) still threads: it is stored but never
    // triaged, answered or reopening.
    const author = inbound.message?.authorEmail;
    if (
      existing &&
      (!author || inbound.message?.automated || (await isTicketParticipant(tx, existing, author)))
    ) {
      return { ticket: existing, created: false };
    }
    if (existing) {
      return upsertTicket(tx, {
        ...newTicketValues(inbound),
        tags: [...new Set([...(t.tags ?? []), `refers-to:${existing.id}`])],
      });
    }
  }
  // With a helpdesk id, the upsert finds an existing ticket itself (ON CONFLICT), in one round trip.
  const resolved = await upsertTicket(tx, newTicketValues(inbound));
  if (
    inbound.source === 'api' &&
    !resolved.created &&
    resolved.ticket.integrationKeyId !== (t.integrationKeyId ?? null)
  ) {
    // Another integration's ticket: answered exactly like a missing one (its id is not confirmed),
    // and the throw rolls back the inbox event's claim, so nothing of this inbound delivery is written.
    throw new AppError('not_found', 'No ticket with this externalId was created with this API key');
  }
  return resolved;
}

// Row and event builders shared by both paths, so they cannot drift apart.

function newTicketValues(inbound: InboundDelivery): NewTicket & { channel: Ticket['channel'] } {
  const t = inbound.ticket;
  return {
    source: inbound.source,
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
    integrationKeyId: t.integrationKeyId ?? null,
    ...(ticketCreatedAt(inbound) ? { createdAt: ticketCreatedAt(inbound) } : {}),
  };
}

type DeliveredMessage = NonNullable<InboundDelivery['message']>;

/**
 * A comment is one of our replies when it has the id Zendesk gave our comment, or the same
 * letters and digits: a trigger renders `{{ticket.latest_comment}}` without the id and as
 * Markdown, so line breaks, escapes and punctuation may differ from the text we posted.
 */
function isOwnReply(
  m: DeliveredMessage,
  sent: readonly { externalId: string | null; text: string }[],
): boolean {
  const words = (text: string) =>
    text
      .normalize('NFKC')
      .toLowerCase()
      .replace(/[^\p{L}\p{N}]+/gu, '');
  const body = words(m.bodyText);
  return sent.some(
    (reply) =>
      (m.externalId != null && reply.externalId === m.externalId) ||
      (body !== '' && words(reply.text) === body),
  );
}

function newMessageValues(ticketId: string, m: DeliveredMessage): NewMessage {
  return {
    ticketId,
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
  };
}

/** A person wrote it (not a bounce or auto-reply, not us): it is triaged and may reopen. */
function isFromPerson(m: DeliveredMessage): boolean {
  return m.authorKind === 'customer' && !m.automated;
}

function createdEvent(
  ticketId: string,
  channel: Ticket['channel'],
  inbound: InboundDelivery,
): NewTicketEvent {
  return {
    ticketId,
    type: 'created',
    actorKind: 'system',
    data: { source: inbound.source, channel, eventType: inbound.eventType },
    createdAt: ticketCreatedAt(inbound),
  };
}

function messageReceivedEvent(
  ticketId: string,
  messageId: string,
  m: DeliveredMessage,
): NewTicketEvent {
  return {
    ticketId,
    type: 'message_received',
    actorKind: m.authorKind,
    data: { messageId, public: m.public ?? true, automated: m.automated ?? false },
    createdAt: m.createdAt,
  };
}

/** The solve of a ticket that arrived already solved: at the event's time, else its creation. */
function importedSolveEvent(ticketId: string, inbound: InboundDelivery): NewTicketEvent {
  return {
    ticketId,
    type: 'solved',
    actorKind: 'integration',
    data: { from: null, to: inbound.ticket.status, imported: true },
    createdAt: notBefore(notFuture(inbound.occurredAt), ticketCreatedAt(inbound)),
  };
}

/**
 * When a ticket this delivery creates was created: its first message's time, else the sender's
 * time of the event (a ticket announced without a message), else (unset) the arrival.
 */
function ticketCreatedAt(inbound: InboundDelivery): Date | undefined {
  return inbound.message?.createdAt ?? notFuture(inbound.occurredAt);
}

/** The sender's time, never a future one (a skewed clock): else the arrival time. */
function notFuture(at: Date | undefined): Date | undefined {
  return at && at.getTime() < Date.now() ? at : undefined;
}

/**
 * A status event is never dated before the ticket existed (a sender's time older than the
 * ticket would make its resolution time negative): then the creation time. Unset `at` stays unset
 * (the arrival), and so does an unknown creation time.
 */
function notBefore(at: Date | undefined, created: Date | undefined): Date | undefined {
  if (!created) return at;
  return (at ?? new Date()).getTime() < created.getTime() ? created : at;
}

const statusEvents = new Set(['solved', 'reopened', 'status_changed', 'deleted']);

/**
 * What pages with an existing ticket open are told a delivery changed (`ticket.changed`): drafts
 * retired (answered or solved in the helpdesk), else a new message (a customer's follow-up, a
 * helpdesk comment), else a status the customer or the helpdesk set; null for nothing they show.
 */
function ticketChange(d: {
  retired: number;
  solvedNow: boolean;
  stored: boolean;
  events: NewTicketEvent[];
}): 'solved' | 'answered' | 'message' | 'status' | null {
  if (d.retired > 0) return d.solvedNow ? 'solved' : 'answered';
  if (d.stored) return 'message';
  return d.events.some((e) => statusEvents.has(e.type)) ? 'status' : null;
}

async function changeStatus(
  tx: Db,
  ticket: Ticket,
  status: TicketStatus,
  actorKind: 'customer' | 'integration' | 'agent' | 'system',
  events: NewTicketEvent[],
  at?: Date,
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
    createdAt: notBefore(notFuture(at), ticket.createdAt),
  });
  // Later steps of this inbound delivery compare against the new status (no second reopen).
  ticket.status = status;
}

/**
 * The helpdesk deleted (or scrubbed) the ticket: it leaves the open work as closed, but the event is
 * `deleted`, not `solved`, so a deleted spam ticket is no resolution (metrics exclude the ticket).
 * Recorded even when it was already closed: a solved ticket deleted later is excluded too.
 */
async function deleteTicket(
  tx: Db,
  ticket: Ticket,
  inbound: InboundDelivery,
  events: NewTicketEvent[],
): Promise<void> {
  const to = inbound.statusChange?.status ?? 'closed';
  if (to !== ticket.status) await setTicketStatus(tx, ticket.id, to);
  events.push({
    ticketId: ticket.id,
    type: 'deleted',
    actorKind: 'integration',
    data: { from: ticket.status, to },
    createdAt: notBefore(notFuture(inbound.occurredAt), ticket.createdAt),
  });
  ticket.status = to;
}

/**
 * Postgres text cannot hold U+0000, and any channel can carry one (a JSON "\u0000" from a
 * helpdesk, binary pasted into a form). The email parser already strips it; this is the net for
 * every other source, so such an inbound delivery is stored rather than answered with a 500.
 */
function withoutNul<T>(value: T): T {
  if (typeof value === 'string') {
    return (value.includes('\u0000') ? value.replaceAll('\u0000', '') : value) as T;
  }
  if (Array.isArray(value)) return value.map(withoutNul) as T;
  if (value && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = withoutNul(v);
    return out as T;
  }
  return value;
}
