import { createRoute, z } from '@hono/zod-openapi';
import { metricsBy, sliceDimensions } from '../../../metrics/index.js';
import { requireRole } from '../../middleware/auth.js';
import type { Router } from '../../openapi.js';
import { groupsFields } from './schemas.js';
import { csvIfAsked, filterQuery, jsonOrCsv, type MetricsRouteDeps, periodEcho } from './shared.js';

export const route = createRoute({
  method: 'get',
  path: '/api/metrics/by-category',
  summary:
    'Metrics per category, or per team/queue/channel/language/priority with groupBy (manager)',
  security: [{ apiKey: [] }],
  request: { query: filterQuery.extend({ groupBy: z.enum(sliceDimensions).default('category') }) },
  responses: jsonOrCsv('One row per slice value ("(none)" when unset)', groupsFields),
});

export function registerMetricsBySlice(app: Router, deps: MetricsRouteDeps) {
  app.on('GET', route.path, requireRole(deps, 'manager'));
  app.openapi(route, async (c) => {
    const q = c.req.valid('query');
    const { filter, db } = await deps.filterOf(c, q);
    const rows = await metricsBy(db, deps.config, filter, q.groupBy);
    const csv = csvIfAsked(c, q, () => ({ rows, name: `metrics-by-${q.groupBy}` }));
    if (csv) return csv as never;
    return c.json({ ...periodEcho(deps, filter), groupBy: q.groupBy, rows }, 200);
  });
}
