import { createRoute, z } from '@hono/zod-openapi';
import type { Deps } from '../../../deps.js';
import { classifierMetrics } from '../../../metrics/index.js';
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
  path: '/api/metrics/classifier',
  summary: 'Classifier accuracy against agent corrections and the most confused labels (manager)',
  security: [{ apiKey: [] }],
  request: { query: filterQuery },
  responses: jsonOrCsv(
    'Accuracy overall and per predicted category; CSV lists the confused pairs',
    z.object({
      ...periodEchoSchema,
      triaged: z.number(),
      corrected: z.number(),
      accuracy: z.number().nullable(),
      byCategory: z.array(z.record(z.string(), z.unknown())),
      confusions: z.array(
        z.object({ predicted: z.string(), corrected: z.string(), count: z.number() }),
      ),
    }),
  ),
});

export function classifierMetricsRoute(app: Router, deps: Deps, filterOf: FilterOf) {
  app.on('GET', route.path, requireRole(deps, 'manager'));
  app.openapi(route, async (c) => {
    const q = c.req.valid('query');
    const filter = await filterOf(q);
    const result = await classifierMetrics(deps.db, deps.config, filter);
    if (wantsCsv(c, q)) return csvResponse(result.confusions, 'classifier-confusions') as never;
    return c.json({ ...periodEcho(deps, filter), ...result }, 200);
  });
}
