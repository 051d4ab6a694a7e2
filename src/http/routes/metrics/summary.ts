import { createRoute, z } from '@hono/zod-openapi';
import type { Deps } from '../../../deps.js';
import { metricsSummary } from '../../../metrics/index.js';
import { requireRole } from '../../middleware/auth.js';
import type { Router } from '../../openapi.js';
import {
  csvResponse,
  type FilterOf,
  filterQuery,
  jsonOrCsv,
  periodEcho,
  periodEchoSchema,
  wantsCsv,
} from './shared.js';

const route = createRoute({
  method: 'get',
  path: '/api/metrics/summary',
  summary:
    'Support metrics for tickets created in a period (manager); definitions in docs/metrics.md',
  security: [{ apiKey: [] }],
  request: { query: filterQuery },
  responses: jsonOrCsv(
    'Metric values (JSON) or one CSV row',
    z.object({
      ...periodEchoSchema,
      metrics: z.record(z.string(), z.unknown()),
    }),
  ),
});

export function summaryRoute(app: Router, deps: Deps, filterOf: FilterOf) {
  app.on('GET', route.path, requireRole(deps, 'manager'));
  app.openapi(route, async (c) => {
    const q = c.req.valid('query');
    const { filter, db } = await filterOf(c, q);
    const metrics = await metricsSummary(db, deps.config, filter);
    if (wantsCsv(c, q)) {
      const { rejectionReasons, rejectionComments: _comments, ...flat } = metrics;
      const row = {
        ...periodEcho(deps, filter),
        ...flat,
        rejectionReasons: rejectionReasons.map((r) => `${r.reason}:${r.count}`).join(';'),
      };
      return csvResponse([row], 'metrics-summary') as never;
    }
    return c.json({ ...periodEcho(deps, filter), metrics }, 200);
  });
}
