import { z } from 'zod';
import {
  type BuiltInView,
  builtInViews,
  listSavedViews,
  listTicketPage,
} from '../../../db/queries/ticket-list.js';
import type { Deps } from '../../../deps.js';
import { AppError } from '../../errors.js';
import { readDb } from '../../read-db.js';
import {
  encodeTicketCursor,
  resolveTicketFilters,
  scopedQuery,
  ticketListQuerySchema,
} from '../../ticket-filters.js';
import { noticeFor, type PageNotice } from '../layout.js';
import { TicketListPage } from '../pages/tickets.js';
import { type TicketsApp, ticketPageNotices } from './shared.js';

/** GET /app/tickets: every ticket the agent may see, filtered, searched, paged; saved views. */
export function registerTicketListPage(app: TicketsApp, deps: Deps) {
  app.get('/app/tickets', async (c) => {
    const raw = c.req.query();
    // Empty form fields mean "any"; an unusable value is dropped rather than failing the page.
    const given = Object.fromEntries(
      Object.entries(raw).filter(([k, v]) => v !== '' && k !== 'notice'),
    );
    const { query, dropped } = readListQuery(given);
    const user = c.get('user');
    const { limit, cursor, ...filterQuery } = query;
    let resolved: Awaited<ReturnType<typeof resolveTicketFilters>>;
    let page: Awaited<ReturnType<typeof listTicketPage>> = { rows: [], next: null };
    let notice: PageNotice | null = noticeFor(ticketPageNotices, raw.notice);
    if (dropped.length) {
      notice = {
        kind: 'error',
        text: `Ignored what could not be read: ${dropped.join(', ')}. The other filters apply.`,
      };
    }
    // The replica when fresh enough for this user (src/db/replica.ts).
    const db = readDb(c, deps);
    try {
      resolved = await resolveTicketFilters(db, user, filterQuery);
      page = await listTicketPage(
        db,
        scopedQuery(user, resolved.filters, {
          limit,
          cursor,
          timeZone: deps.config.TIME_ZONE,
        }),
      );
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      resolved = { filters: {}, savedViewName: null };
      notice = { kind: 'error', text: `${err.message}. Showing all tickets.` };
    }
    const view = resolved.filters.view;
    const title =
      resolved.savedViewName ??
      (view ? builtInViews[view as BuiltInView].label : resolved.filters.q ? 'Search' : 'Tickets');
    return c.html(
      <TicketListPage
        user={user}
        query={z.record(z.string(), z.string()).parse(given)}
        filters={resolved.filters}
        viewTitle={title}
        rows={page.rows}
        nextCursor={encodeTicketCursor(page.next)}
        pageSize={limit}
        savedViews={await listSavedViews(db, user.id)}
        notice={notice}
        now={deps.now()}
      />,
    );
  });
}

/**
 * The list's query with what cannot be read dropped, field by field (a stale bookmark with a
 * status that no longer exists keeps its search), and the names of the fields dropped.
 */
function readListQuery(given: Record<string, string>) {
  let rest = given;
  const dropped: string[] = [];
  for (;;) {
    const parsed = ticketListQuerySchema.safeParse(rest);
    if (parsed.success) return { query: parsed.data, dropped };
    const bad = new Set(parsed.error.issues.map((i) => String(i.path[0] ?? '')));
    // An issue that names no field present cannot be dropped: fall back to no filters at all.
    if (![...bad].some((k) => Object.hasOwn(rest, k))) {
      return { query: ticketListQuerySchema.parse({}), dropped: Object.keys(given) };
    }
    dropped.push(...[...bad].filter((k) => Object.hasOwn(rest, k)));
    rest = Object.fromEntries(Object.entries(rest).filter(([k]) => !bad.has(k)));
  }
}
