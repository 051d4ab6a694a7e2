import { createRoute, z } from '@hono/zod-openapi';
import { metricsSummary } from '../../../metrics/index.js';
import { requireRole } from '../../middleware/auth.js';
import type { Router } from '../../openapi.js';
import { csvIfAsked, filterQuery, jsonOrCsv, type MetricsRouteDeps, periodEcho } from './shared.js';

export const route = createRoute({
  method: 'get',
  path: '/api/metrics/summary',
  summary:
    'Support metrics for tickets created in a period (manager); definitions in docs/metrics.md',
  security: [{ apiKey: [] }],
  request: { query: filterQuery },
  responses: jsonOrCsv('Metric values (JSON) or one CSV row', {
    metrics: z.record(z.string(), z.unknown()),
  }),
});

export function registerMetricsSummary(app: Router, deps: MetricsRouteDeps) {
  app.on('GET', route.path, requireRole(deps, 'manager'));
  app.openapi(route, async (c) => {
    const q = c.req.valid('query');
    const { filter, db } = await deps.filterOf(c, q);
    const metrics = await metricsSummary(db, deps.config, filter);
    const csv = csvIfAsked(c, q, () => {
      const { rejectionReasons, rejectionComments: _comments, ...flat } = metrics;
      const row = {
        ...periodEcho(deps, filter),
        ...flat,
        rejectionReasons: rejectionReasons.map((r) => `${r.reason}:${r.count}`).join(';'),
      };
      return { rows: [row], name: 'metrics-summary' };
    });
    if (csv) return csv as never;
    return c.json({ ...periodEcho(deps, filter), metrics }, 200);
  });
}
