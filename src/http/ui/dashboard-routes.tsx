import { Hono } from 'hono';
import type { Deps } from '../../deps.js';
import { knowledgeGaps } from '../../kb/gaps.js';
import { toCsv } from '../../metrics/index.js';
import { createFreshness } from '../routes/metrics/shared.js';
import {
  type CsvSection,
  csvSections,
  dashboardCsv,
  loadDashboard,
  localDay,
  parseDashboardQuery,
} from './dashboard-data.js';
import { DashboardPage } from './pages/dashboard.js';
import { requireUser, type UiEnv } from './session.js';

/**
 * The manager dashboard (/app/dashboard) and its CSV exports (/app/dashboard/<section>.csv),
 * which take the same GET parameters, so a download always matches what is on screen.
 */
export function dashboardPages(deps: Deps) {
  const app = new Hono<UiEnv>();
  // Like the API: bring the facts table up to date before reading, at most every 15 s.
  const fresh = createFreshness(deps);
  const manager = requireUser(deps, 'manager');
  app.use('/app/dashboard', manager);
  app.use('/app/dashboard/*', manager);

  app.get('/app/dashboard', async (c) => {
    const { params, error } = parseDashboardQuery(
      c.req.query(),
      localDay(deps.now(), deps.config.TIME_ZONE),
    );
    await fresh();
    const data = await loadDashboard(deps, params);
    const gaps = await knowledgeGaps(deps.db, { sinceMs: 30 * 86_400_000, now: deps.now() });
    return c.html(
      <DashboardPage
        user={c.get('user')}
        data={data}
        error={error}
        gaps={{ topics: gaps.topics, days: 30 }}
      />,
    );
  });

  app.get('/app/dashboard/:file{[a-z-]+\\.csv}', async (c) => {
    const section = c.req.param('file').replace(/\.csv$/, '') as CsvSection;
    if (!csvSections.includes(section)) return c.text('Not found', 404);
    const { params } = parseDashboardQuery(
      c.req.query(),
      localDay(deps.now(), deps.config.TIME_ZONE),
    );
    await fresh();
    const { rows, columns, name } = await dashboardCsv(deps, params, section);
    c.header('Content-Type', 'text/csv; charset=utf-8');
    c.header('Content-Disposition', `attachment; filename="${name}.csv"`);
    return c.body(toCsv(rows, columns));
  });
  return app;
}
