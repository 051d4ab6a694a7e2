import type { Deps } from '../../../deps.js';
import { readDb } from '../../read-db.js';
import { type InboxFilters, QueuePane } from '../pages/inbox.js';
import { queueData } from './queue-data.js';
import { type InboxApp, pageQuery } from './shared.js';

/** GET /app/queue: the queue column alone, for the live refresh (htmx swaps it in place). */
export function registerQueuePane(app: InboxApp, deps: Deps) {
  app.get('/app/queue', async (c) => {
    const q = pageQuery.parse(c.req.query());
    const filters: InboxFilters = { category: q.category, priority: q.priority, queue: q.queue };
    // A lag-tolerant list: the replica when fresh enough for this agent (readDb).
    const data = await queueData({ db: readDb(c, deps) }, c.get('user'), q.tab, filters);
    return c.html(
      <QueuePane
        tab={q.tab}
        filters={filters}
        {...data}
        selectedId={q.selected}
        now={deps.now()}
      />,
    );
  });
}
