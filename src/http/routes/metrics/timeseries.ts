import { createRoute, z } from '@hono/zod-openapi';
import { metricsBy, periods } from '../../../metrics/index.js';
import { requireRole } from '../../middleware/auth.js';
import type { Router } from '../../openapi.js';
import { groupsFields } from './schemas.js';
import { csvIfAsked, filterQuery, jsonOrCsv, type MetricsRouteDeps, periodEcho } from './shared.js';

export const route = createRoute({
  method: 'get',
  path: '/api/metrics/timeseries',
  summary:
    'Metrics per day or week (Monday) in TIME_ZONE, of creation or with basis=solved of solve (manager)',
  security: [{ apiKey: [] }],
  request: { query: filterQuery.extend({ interval: z.enum(periods).default('day') }) },
  responses: jsonOrCsv('One row per period that has tickets', groupsFields),
});

export function registerMetricsTimeseries(app: Router, deps: MetricsRouteDeps) {
  app.on('GET', route.path, requireRole(deps, 'manager'));
  app.openapi(route, async (c) => {
    const q = c.req.valid('query');
    const { filter, db } = await deps.filterOf(c, q);
    const rows = await metricsBy(db, deps.config, filter, q.interval);
    const csv = csvIfAsked(c, q, () => ({ rows, name: `metrics-${q.interval}` }));
    if (csv) return csv as never;
    return c.json({ ...periodEcho(deps, filter), groupBy: q.interval, rows }, 200);
  });
}
