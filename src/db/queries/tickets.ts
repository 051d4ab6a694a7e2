import { and, desc, eq, getTableColumns, inArray, type SQL, sql } from 'drizzle-orm';
import type { Db } from '../client.js';
import { messages, type NewMessage } from '../schema/messages.js';
import { type ActorKind, type TicketEventType, ticketEvents } from '../schema/ticket-events.js';
import { type NewTicket, type Ticket, type TicketStatus, tickets } from '../schema/tickets.js';

export async function getTicket(db: Db, id: string): Promise<Ticket | null> {
  const [row] = await db.select().from(tickets).where(eq(tickets.id, id)).limit(1);
  return row ?? null;
}

export async function findTicketByReplyToken(db: Db, token: string): Promise<Ticket | null> {
  const [row] = await db.select().from(tickets).where(eq(tickets.replyToken, token)).limit(1);
  return row ?? null;
}

/** Whether `email` is the ticket's requester or wrote one of its inbound messages. */
export async function isTicketParticipant(db: Db, ticket: Ticket, email: string): Promise<boolean> {
  const address = email.toLowerCase();
  if (ticket.requesterEmail?.toLowerCase() === address) return true;
  const [row] = await db
    .select({ id: messages.id })
    .from(messages)
    .where(
      and(
        eq(messages.ticketId, ticket.id),
        eq(messages.direction, 'inbound'),
        sql`lower(${messages.authorEmail}) = ${address}`,
      ),
    )
    .limit(1);
  return row !== undefined;
}

/** The ticket that owns any of these Message-IDs (ours or the customer's), newest first. */
export async function findTicketByEmailThread(
  db: Db,
  messageIds: string[],
): Promise<Ticket | null> {
  const ids = messageIds.filter(Boolean).slice(-50);
  if (ids.length === 0) return null;
  const [row] = await db
    .select({ ticket: tickets })
    .from(messages)
    .innerJoin(tickets, eq(tickets.id, messages.ticketId))
    .where(inArray(messages.emailMessageId, ids))
    .orderBy(desc(messages.createdAt))
    .limit(1);
  return row?.ticket ?? null;
}

/**
 * Creates the ticket, or returns the existing one for the same helpdesk id. Two events about the
 * same new Zendesk ticket can arrive concurrently; ON CONFLICT makes the second one find the first.
 */
export async function upsertTicket(
  db: Db,
  values: NewTicket,
): Promise<{ ticket: Ticket; created: boolean }> {
  if (!values.externalId) {
    const [ticket] = await db.insert(tickets).values(values).returning();
    return { ticket: ticket!, created: true };
  }
  const [row] = await db
    .insert(tickets)
    .values(values)
    .onConflictDoUpdate({
      target: [tickets.source, tickets.externalId],
      set: { updatedAt: sql`now()` },
    })
    // xmax = 0 only on a freshly inserted row: tells "created" from "found" in one round trip.
    .returning({ ...getTableColumns(tickets), inserted: sql<boolean>`(xmax = 0)` });
  const { inserted, ...ticket } = row!;
  return { ticket, created: inserted };
}

/**
 * Locks the ticket row for the rest of the transaction: replies written at the same moment on
 * one ticket take turns, so each sees what the other committed.
 */
export async function lockTicket(db: Db, id: string): Promise<void> {
  await db.select({ id: tickets.id }).from(tickets).where(eq(tickets.id, id)).for('update');
}

export async function setTicketStatus(db: Db, id: string, status: TicketStatus): Promise<void> {
  await db.update(tickets).set({ status }).where(eq(tickets.id, id));
}

/**
 * One update of a ticket's language and/or tags (tags are added, kept sorted and distinct), as a
 * part of a combined write (`writeAllIf`, with its `gateWrote` as `onlyIf`); null when there is
 * nothing to change.
 */
export function ticketUpdateQuery(
  db: Db,
  id: string,
  change: { language?: string | null; addTags?: readonly string[] },
  onlyIf?: SQL,
) {
  const set: { language?: string; tags?: SQL } = {};
  if (change.language) set.language = change.language;
  if (change.addTags?.length) {
    set.tags = sql`(select coalesce(array_agg(distinct t order by t), '{}') from unnest(${tickets.tags} || ARRAY[${sql.join(
      change.addTags.map((t) => sql`${t}`),
      sql`, `,
    )}]::text[]) t)`;
  }
  if (Object.keys(set).length === 0) return null;
  return db
    .update(tickets)
    .set(set)
    .where(and(eq(tickets.id, id), onlyIf));
}

export async function insertMessage(db: Db, values: NewMessage) {
  const [row] = await db.insert(messages).values(values).returning();
  return row!;
}

export async function listMessages(db: Db, ticketId: string) {
  return db
    .select()
    .from(messages)
    .where(eq(messages.ticketId, ticketId))
    .orderBy(messages.createdAt);
}

export async function recordTicketEvent(
  db: Db,
  event: {
    ticketId: string;
    type: TicketEventType;
    actorKind: ActorKind;
    actorId?: string | null;
    data?: Record<string, unknown>;
    createdAt?: Date;
  },
): Promise<void> {
  await db.insert(ticketEvents).values({ ...event, data: event.data ?? {} });
}

export type NewTicketEvent = Parameters<typeof recordTicketEvent>[1];

/** `recordTicketEvent` as one part of a combined write (`writeAll`), not yet run. */
/** Several events in one statement (intake writes two or three per delivery). */
export async function recordTicketEvents(db: Db, events: NewTicketEvent[]): Promise<void> {
  if (events.length === 0) return;
  await db.insert(ticketEvents).values(events.map((e) => ({ ...e, data: e.data ?? {} })));
}

export async function listTicketEvents(db: Db, ticketId: string) {
  return db
    .select()
    .from(ticketEvents)
    .where(eq(ticketEvents.ticketId, ticketId))
    .orderBy(ticketEvents.id);
}

/**
 * Finds a message this delivery repeats: the same helpdesk comment id, a Zendesk description that
 * arrives again as its first comment (same text, no id yet), or a trigger re-rendering the latest
 * comment unchanged. Returns the message and whether it still lacks the external id.
 */
export async function findRepeatedMessage(
  db: Db,
  ticketId: string,
  candidate: { externalId: string | null; bodyText: string },
): Promise<{ id: string; externalId: string | null } | null> {
  if (candidate.externalId) {
    const [same] = await db
      .select({ id: messages.id, externalId: messages.externalId })
      .from(messages)
      .where(and(eq(messages.ticketId, ticketId), eq(messages.externalId, candidate.externalId)))
      .limit(1);
    if (same) return same;
  }
  const [latest] = await db
    .select({ id: messages.id, externalId: messages.externalId, bodyText: messages.bodyText })
    .from(messages)
    .where(eq(messages.ticketId, ticketId))
    .orderBy(desc(messages.createdAt))
    .limit(1);
  if (
    latest &&
    latest.externalId === null &&
    latest.bodyText.trim() === candidate.bodyText.trim()
  ) {
    return { id: latest.id, externalId: latest.externalId };
  }
  return null;
}

export async function setMessageExternalId(db: Db, id: string, externalId: string): Promise<void> {
  await db.update(messages).set({ externalId }).where(eq(messages.id, id));
}
