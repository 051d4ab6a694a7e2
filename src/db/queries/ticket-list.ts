import { and, desc, eq, type SQL, sql } from 'drizzle-orm';
import type { Db } from '../client.js';
import { savedViews } from '../schema/saved-views.js';
import { ticketSearch } from '../schema/ticket-search.js';
import {
  type DraftState,
  type TicketChannel,
  type TicketStatus,
  tickets,
} from '../schema/tickets.js';
import { type Priority, ticketTriage } from '../schema/triage.js';
import { visibleToTeam } from './triage.js';

/**
 * Built-in views of the ticket list. Their conditions are literal SQL, written exactly as the
 * partial indexes on `tickets` (schema/tickets.ts) state them, so the planner can prove the index
 * applies even for a prepared statement.
 */
export const builtInViews = {
  /** A person has to write the reply: no draft, the drafter abstained, or the draft was rejected. */
  needs_human: {
    label: 'Needs a human reply',
    where: sql.raw(
      `"tickets"."draft_state" in ('none', 'abstained', 'rejected') and "tickets"."status" not in ('solved', 'closed') and not "tickets"."automated"`,
    ),
  },
  /** Approved (by an agent or by hand) and not delivered yet. */
  waiting_delivery: {
    label: 'Waiting on delivery',
    where: sql.raw(`"tickets"."draft_state" = 'sending'`),
  },
  /** Unanswered past the reply's SLA due time. */
  overdue: {
    label: 'Overdue',
    where: sql.raw(
      `"tickets"."draft_state" in ('none', 'pending', 'abstained', 'rejected', 'delivery_failed') and "tickets"."status" not in ('solved', 'closed') and "tickets"."reply_due_at" is not null and "tickets"."reply_due_at" < now()`,
    ),
  },
} as const;
export type BuiltInView = keyof typeof builtInViews;
export const builtInViewNames = Object.keys(builtInViews) as BuiltInView[];

export interface TicketListFilters {
  status?: TicketStatus;
  queue?: string;
  team?: string;
  category?: string;
  priority?: Priority;
  assignee?: string;
  channel?: TicketChannel;
  automated?: boolean;
  draftState?: DraftState;
  slaBreached?: boolean;
  /** Free text: every word must occur (words of 3+ characters also match as prefixes). */
  q?: string;
  view?: BuiltInView;
  /** Created on or after this calendar day (YYYY-MM-DD, in `timeZone`). */
  from?: string;
  /** Created on or before this calendar day (inclusive). */
  to?: string;
}

export interface TicketListQuery extends TicketListFilters {
  /** Team scoping of the caller (`src/auth/team-scope.ts`): only tickets visible to this team. */
  scopeTeam?: string;
  limit: number;
  /** Keyset cursor: the (created_at, id) of the previous page's last row. */
  after?: { createdAt: string; id: string };
  /** The team's time zone (`TIME_ZONE`): what calendar day `from` and `to` mean. */
  timeZone?: string;
}

/**
 * A `to_tsquery('simple', …)` text from what an agent typed: every word required, words of three
 * or more characters as prefixes ("refund" finds "refunds", "refunded"; "ana@" finds the address).
 * Each word is reduced to letters, digits and the characters of addresses and order numbers, then
 * quoted, so no input can inject tsquery operators. Null when nothing searchable is left.
 */
export function toSearchQuery(q: string): string | null {
  const words = q
    .normalize('NFKC')
    .toLowerCase()
    .split(/\s+/)
    .map((w) => w.replace(/[^\p{L}\p{N}@._+-]/gu, '').replace(/^[@._+-]+|[@._+-]+$/g, ''))
    .filter(Boolean)
    .slice(0, 8);
  if (words.length === 0) return null;
  return words.map((w) => `'${w}'${w.length >= 3 ? ':*' : ''}`).join(' & ');
}

/** Unanswered past the reply's due time (the "Overdue" view as a boolean). */
const slaBreached = builtInViews.overdue.where;

/**
 * One page of the ticket list, newest first, keyset-paginated on (created_at, id). Filters on the
 * ticket itself read indexed columns of `tickets` (the draft state is kept there); routing filters
 * read the ticket's triage; search reads `ticket_search` (GIN).
 */
export async function listTickets(db: Db, f: TicketListQuery) {
  const query = f.q ? toSearchQuery(f.q) : null;
  if (f.q && !query) return [];
  const where: (SQL | undefined)[] = [
    f.status ? eq(tickets.status, f.status) : undefined,
    f.channel ? eq(tickets.channel, f.channel) : undefined,
    f.automated === undefined ? undefined : eq(tickets.automated, f.automated),
    f.draftState ? eq(tickets.draftState, f.draftState) : undefined,
    f.slaBreached === undefined
      ? undefined
      : f.slaBreached
        ? slaBreached
        : sql`not coalesce(${slaBreached}, false)`,
    f.team ? eq(ticketTriage.team, f.team) : undefined,
    f.queue ? eq(ticketTriage.queue, f.queue) : undefined,
    f.category
      ? sql`coalesce(${ticketTriage.correctedCategory}, ${ticketTriage.category}) = ${f.category}`
      : undefined,
    f.priority ? eq(ticketTriage.priority, f.priority) : undefined,
    f.assignee ? eq(ticketTriage.assignee, f.assignee) : undefined,
    f.scopeTeam ? visibleToTeam(f.scopeTeam) : undefined,
    f.view ? builtInViews[f.view].where : undefined,
    query ? sql`${ticketSearch.document} @@ to_tsquery('simple', ${query})` : undefined,
    f.from
      ? sql`${tickets.createdAt} >= (${f.from}::date)::timestamp at time zone ${f.timeZone ?? 'UTC'}`
      : undefined,
    f.to
      ? sql`${tickets.createdAt} < (${f.to}::date + 1)::timestamp at time zone ${f.timeZone ?? 'UTC'}`
      : undefined,
    f.after
      ? sql`(${tickets.createdAt}, ${tickets.id}) < (${f.after.createdAt}::timestamptz, ${f.after.id}::uuid)`
      : undefined,
  ];
  const base = db
    .select({
      id: tickets.id,
      externalId: tickets.externalId,
      source: tickets.source,
      subject: tickets.subject,
      status: tickets.status,
      draftState: tickets.draftState,
      channel: tickets.channel,
      requesterEmail: tickets.requesterEmail,
      requesterName: tickets.requesterName,
      automated: tickets.automated,
      replyDueAt: tickets.replyDueAt,
      slaBreached: sql<boolean>`coalesce(${slaBreached}, false)`,
      createdAt: tickets.createdAt,
      updatedAt: tickets.updatedAt,
      // Microseconds: a JavaScript Date would round the cursor to milliseconds and skip rows.
      cursorAt: sql<string>`to_char(${tickets.createdAt} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`,
      category: sql<
        string | null
      >`coalesce(${ticketTriage.correctedCategory}, ${ticketTriage.category})`,
      priority: ticketTriage.priority,
      team: ticketTriage.team,
      queue: ticketTriage.queue,
      assignee: ticketTriage.assignee,
    })
    .from(tickets)
    .leftJoin(ticketTriage, eq(ticketTriage.ticketId, tickets.id));
  const joined = query ? base.innerJoin(ticketSearch, eq(ticketSearch.ticketId, tickets.id)) : base;
  return joined
    .where(and(...where))
    .orderBy(desc(tickets.createdAt), desc(tickets.id))
    .limit(f.limit);
}

export type TicketListRow = Awaited<ReturnType<typeof listTickets>>[number];

export async function listSavedViews(db: Db, userId: string) {
  return db.select().from(savedViews).where(eq(savedViews.userId, userId)).orderBy(savedViews.name);
}

export async function getSavedView(db: Db, userId: string, id: string) {
  const [row] = await db
    .select()
    .from(savedViews)
    .where(and(eq(savedViews.userId, userId), eq(savedViews.id, id)))
    .limit(1);
  return row ?? null;
}

/** Saves (or, under the same name, replaces) a view of the user's. */
export async function saveView(
  db: Db,
  view: { userId: string; name: string; filters: TicketListFilters },
) {
  const [row] = await db
    .insert(savedViews)
    .values({ userId: view.userId, name: view.name, filters: { ...view.filters } })
    .onConflictDoUpdate({
      target: [savedViews.userId, savedViews.name],
      set: { filters: { ...view.filters }, updatedAt: sql`now()` },
    })
    .returning();
  return row!;
}

export async function deleteSavedView(db: Db, userId: string, id: string): Promise<boolean> {
  const rows = await db
    .delete(savedViews)
    .where(and(eq(savedViews.userId, userId), eq(savedViews.id, id)))
    .returning({ id: savedViews.id });
  return rows.length > 0;
}
