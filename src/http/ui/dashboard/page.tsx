import { knowledgeGaps } from '../../../kb/gaps.js';
import { readDb } from '../../read-db.js';
import { loadDashboard } from '../dashboard-data.js';
import { DashboardPage } from '../pages/dashboard.js';
import { type DashboardApp, type DashboardDeps, dashboardQuery } from './shared.js';

/** GET /app/dashboard: the manager dashboard for the period and slices in its query. */
export function registerDashboardPage(app: DashboardApp, deps: DashboardDeps) {
  app.get('/app/dashboard', async (c) => {
    const { params, error } = dashboardQuery(deps, c);
    // The replica once it has replayed the refresh (and this manager's last write).
    const db = readDb(c, deps, await deps.fresh());
    const data = await loadDashboard({ db, config: deps.config }, params);
    const gaps = await knowledgeGaps(db, { sinceMs: 30 * 86_400_000, now: deps.now() });
    return c.html(
      <DashboardPage
        user={c.get('user')}
        data={data}
        error={error}
        gaps={{ topics: gaps.topics, days: 30 }}
      />,
    );
  });
}
