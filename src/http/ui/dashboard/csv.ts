import { toCsv } from '../../../metrics/index.js';
import { readDb } from '../../read-db.js';
import { type CsvSection, csvSections, dashboardCsv } from '../dashboard-data.js';
import { type DashboardApp, type DashboardDeps, dashboardQuery } from './shared.js';

/**
 * GET /app/dashboard/<section>.csv: one section of the dashboard as CSV; it takes the dashboard's
 * GET parameters, so a download always matches what is on screen.
 */
export function registerDashboardCsv(app: DashboardApp, deps: DashboardDeps) {
  app.get('/app/dashboard/:file{[a-z-]+\\.csv}', async (c) => {
    const section = c.req.param('file').replace(/\.csv$/, '') as CsvSection;
    if (!csvSections.includes(section)) return c.text('Not found', 404);
    const { params } = dashboardQuery(deps, c);
    const db = readDb(c, deps, await deps.fresh());
    const { rows, columns, name } = await dashboardCsv(
      { db, config: deps.config },
      params,
      section,
    );
    c.header('Content-Type', 'text/csv; charset=utf-8');
    c.header('Content-Disposition', `attachment; filename="${name}.csv"`);
    return c.body(toCsv(rows, columns));
  });
}
