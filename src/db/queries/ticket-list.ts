import { and, desc, eq, type SQL, sql } from 'drizzle-orm';
import type { Db } from '../client.js';
import { rowsOf } from '../rows.js';
import { savedViews } from '../schema/saved-views.js';
import { ticketSearch } from '../schema/ticket-search.js';
import {
  type DraftState,
  type TicketChannel,
  type TicketStatus,
  tickets,
} from '../schema/tickets.js';
import { type Priority, ticketTriage } from '../schema/triage.js';
import { withTransaction } from '../tx.js';
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
      `"tickets"."draft_state" in ('none', 'pending', 'abstained', 'rejected', 'delivery_failed', 'held') and "tickets"."status" not in ('solved', 'closed') and "tickets"."reply_due_at" is not null and "tickets"."reply_due_at" < now()`,
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
  /** Free text: every word must occur (the last one, of 3+ characters, also as a prefix). */
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
  /** Only tickets at or after this (created_at, id): the search window's far end. */
  notBefore?: { createdAt: string; id: string };
}

/**
 * A `to_tsquery('simple', …)` text from what an agent typed: every word required, the last one
 * (of three or more characters) also as a prefix, as in search-as-you-type ("refund" finds
 * "refunds", "refunded"; "ana@" finds the address).
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
  // Only the last word as a prefix: a prefix is a range of the GIN index read in full, so a
  // common one ("order:*", a million tickets) costs ~170 ms where the exact word, intersected with
  // a rare one, costs 0.1 ms (measured at 1M tickets).
  return words
    .map((w, i) => `'${w}'${i === words.length - 1 && w.length >= 3 ? ':*' : ''}`)
    .join(' & ');
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
    f.notBefore
      ? sql`(${tickets.createdAt}, ${tickets.id}) >= (${f.notBefore.createdAt}::timestamptz, ${f.notBefore.id}::uuid)`
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

/**
 * Search terms matching more tickets than this (the planner's estimate, from the statistics of
 * the GIN-indexed column) are searched a window at a time; rarer ones in one query.
 */
export const COMMON_TERM_MATCHES = 20_000;
/**
 * Tickets one page of a common-term search looks at, newest first. 10k rather than 20k halves the
 * worst page (filters nothing in the window matches: 246 -> 125 ms p50 at 1M tickets, load ~22);
 * every searched page of bench:tickets still fills its 25 rows.
 */
export const SEARCH_WINDOW = 10_000;

type Key = { createdAt: string; id: string };

/** The planner's estimate of how many tickets a search matches (no rows are read). */
async function estimatedMatches(db: Db, query: string): Promise<number> {
  const [row] = rowsOf<Record<string, unknown>>(
    await db.execute(sql`explain (format json)
      select 1 from ticket_search where document @@ to_tsquery('simple', ${query})`),
  );
  const raw = row ? Object.values(row)[0] : undefined;
  const plan = (typeof raw === 'string' ? JSON.parse(raw) : raw) as [
    { Plan: { 'Plan Rows': number } },
  ];
  return plan?.[0]?.Plan?.['Plan Rows'] ?? Number.POSITIVE_INFINITY;
}

/** The (created_at, id) `size` tickets further on from `after`, if there are that many. */
async function windowEnd(db: Db, after: Key | undefined, size: number): Promise<Key | null> {
  const [row] = rowsOf<{ c: string; id: string }>(
    await db.execute(sql`
      select to_char(created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as c, id
      from tickets
      ${after ? sql`where (created_at, id) < (${after.createdAt}::timestamptz, ${after.id}::uuid)` : sql``}
      order by created_at desc, id desc offset ${size - 1} limit 1`),
  );
  return row ? { createdAt: row.c, id: row.id } : null;
}

/**
 * A page of the list and where the next one starts (null: nothing more).
 *
 * Newest-first with LIMIT lets the planner walk the created_at index and stop after a page of
 * hits — fast while hits are plentiful, but a common word combined with filters that (unknown to
 * the statistics) match few of its tickets walks the whole table: seconds at 1M tickets. So a
 * search whose words match many tickets looks at one window of `SEARCH_WINDOW` tickets per page;
 * a page that is not full then still has a `next` (the window's end) when older tickets remain —
 * every request is bounded, and paging on finds the older matches. Rare words (the GIN index
 * finds their few tickets at once) and unsearched lists run as one query.
 */
export async function listTicketPage(
  db: Db,
  f: TicketListQuery,
  tuning: { commonTermMatches: number; window: number } = {
    commonTermMatches: COMMON_TERM_MATCHES,
    window: SEARCH_WINDOW,
  },
): Promise<{ rows: TicketListRow[]; next: Key | null }> {
  const query = f.q ? toSearchQuery(f.q) : null;
  const windowed = query !== null && (await estimatedMatches(db, query)) > tuning.commonTermMatches;
  const end = windowed ? await windowEnd(db, f.after, tuning.window) : null;
  const rows = await withTransaction(db, async (tx) => {
    // One page of 25 never gains from parallel workers, and they cost: starting them on a busy
    // machine took 0.5–0.8 s of a 0.3 s query, and with them the planner walked the whole
    // created_at index for a rare word (17 s at 1M tickets) instead of a 22 ms bitmap scan of
    // the GIN index (EXPLAIN ANALYZE, bench:tickets database, load average ~20).
    await tx.execute(sql`set local max_parallel_workers_per_gather = 0`);
    if (!end) return listTickets(tx, f);
    // The window is small and walked newest first, each ticket's triage and search row
    // fetched by key. Left alone, the planner may hash-join the whole triage table instead
    // (it cannot see that the window bounds the work): measured 1.6 s against 0.1 s at 1M.
    await tx.execute(sql`set local enable_hashjoin = off`);
    await tx.execute(sql`set local enable_mergejoin = off`);
    return listTickets(tx, { ...f, notBefore: end });
  });
  const last = rows.at(-1);
  if (last && rows.length === f.limit)
    return { rows, next: { createdAt: last.cursorAt, id: last.id } };
  return { rows, next: end };
}

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
