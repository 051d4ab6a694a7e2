import type { Context } from 'hono';
import type { Deps } from '../../../deps.js';
import { readDb } from '../../read-db.js';
import { noticeFor } from '../layout.js';
import { type InboxFilters, InboxPage } from '../pages/inbox.js';
import type { UiEnv } from '../session.js';
import { queueData, ticketView } from './queue-data.js';
import { type InboxApp, notices, pageQuery } from './shared.js';
import { pendingUndo } from './undo.js';

/**
 * Renders the inbox for this request's query. A refused save renders it directly (no redirect)
 * with its own notice and the agent's unsaved text, so nothing they typed is lost.
 */
export async function renderInbox(
  c: Context<UiEnv>,
  deps: Deps,
  extra: {
    notice?: { kind: 'ok' | 'error'; text: string };
    unsaved?: { draftId: string; text: string };
    status?: 409;
    query?: Record<string, string>;
  } = {},
) {
  const q = pageQuery.parse({ ...c.req.query(), ...extra.query });
  const filters: InboxFilters = { category: q.category, priority: q.priority, queue: q.queue };
  const user = c.get('user');
  // The queue may come from the replica (readDb: never before this agent's own last write); the
  // selected ticket, which shows what the agent just did, from the primary.
  const data = await queueData({ db: readDb(c, deps) }, user, q.tab, filters);
  // Straight to work: with nothing selected, open the ticket most at risk.
  const ticketId =
    q.ticket ??
    (q.tab === 'pending' ? data.pending[0]?.draft.ticketId : undefined) ??
    (q.tab === 'problems' ? data.problems[0]?.ticket.id : undefined);
  const [selected, undo] = await Promise.all([
    ticketId ? ticketView(deps, user, ticketId, data.categories) : null,
    q.undo ? pendingUndo(deps, user, q.undo) : null,
  ]);
  // A ticket asked for by id that is missing or another team's: the queue, a notice and a 404.
  const unknownTicket = q.ticket !== undefined && !selected;
  const notice = unknownTicket ? notices.no_ticket : (extra.notice ?? noticeFor(notices, q.notice));
  return c.html(
    <InboxPage
      user={user}
      tab={q.tab}
      filters={filters}
      {...data}
      selected={selected}
      notice={notice}
      undo={undo}
      unsaved={extra.unsaved}
      now={deps.now()}
    />,
    unknownTicket ? 404 : (extra.status ?? 200),
  );
}

/** GET /app: the inbox page, the queue with the selected (or most at-risk) ticket open. */
export function registerInboxPage(app: InboxApp, deps: Deps) {
  app.get('/app', (c) => renderInbox(c, deps));
}
