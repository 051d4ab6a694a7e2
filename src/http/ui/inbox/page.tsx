import type { Deps } from '../../../deps.js';
import { type InboxFilters, InboxPage } from '../pages/inbox.js';
import { queueData, ticketView } from './queue-data.js';
import { type InboxApp, type NoticeCode, notices, pageQuery } from './shared.js';

/** GET /app: the inbox page, the queue with the selected (or most at-risk) ticket open. */
export function registerInboxPage(app: InboxApp, deps: Deps) {
  app.get('/app', async (c) => {
    const q = pageQuery.parse(c.req.query());
    const filters: InboxFilters = { category: q.category, priority: q.priority, queue: q.queue };
    const user = c.get('user');
    const data = await queueData(deps, user, q.tab, filters);
    // Straight to work: with nothing selected, open the ticket most at risk.
    const ticketId =
      q.ticket ??
      (q.tab === 'pending' ? data.pending[0]?.draft.ticketId : undefined) ??
      (q.tab === 'problems' ? data.problems[0]?.ticket.id : undefined);
    const selected = ticketId ? await ticketView(deps, user, ticketId, data.categories) : null;
    // A ticket asked for by id that is missing or another team's: the queue, a notice and a 404.
    const unknownTicket = q.ticket !== undefined && !selected;
    const notice = unknownTicket
      ? notices.no_ticket
      : q.notice && q.notice in notices
        ? notices[q.notice as NoticeCode]
        : null;
    return c.html(
      <InboxPage
        user={user}
        tab={q.tab}
        filters={filters}
        {...data}
        selected={selected}
        notice={notice}
        now={deps.now()}
      />,
      unknownTicket ? 404 : 200,
    );
  });
}
