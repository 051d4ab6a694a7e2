import { createRoute, z } from '@hono/zod-openapi';
import type { Deps } from '../../../deps.js';
import { classifierMetrics } from '../../../metrics/index.js';
import { requireRole } from '../../middleware/auth.js';
import type { Router } from '../../openapi.js';
import {
  csvResponse,
  filterQuery,
  periodEcho,
  periodEchoSchema,
  toFilter,
  wantsCsv,
} from './shared.js';

const route = createRoute({
  method: 'get',
  path: '/api/metrics/classifier',
  summary: 'Classifier accuracy against agent corrections and the most confused labels (manager)',
  security: [{ apiKey: [] }],
  request: { query: filterQuery },
  responses: {
    200: {
      description: 'Accuracy overall and per predicted category; CSV lists the confused pairs',
      content: {
        'application/json': {
          schema: z.object({
            ...periodEchoSchema,
            triaged: z.number(),
            corrected: z.number(),
            accuracy: z.number().nullable(),
            byCategory: z.array(z.record(z.string(), z.unknown())),
            confusions: z.array(
              z.object({ predicted: z.string(), corrected: z.string(), count: z.number() }),
            ),
          }),
        },
        'text/csv': { schema: z.string() },
      },
    },
  },
});

export function classifierMetricsRoute(app: Router, deps: Deps, fresh: () => Promise<void>) {
  app.on('GET', route.path, requireRole(deps, 'manager'));
  app.openapi(route, async (c) => {
    const q = c.req.valid('query');
    const filter = await toFilter(deps, q);
    await fresh();
    const result = await classifierMetrics(deps.db, deps.config, filter);
    if (wantsCsv(c, q)) return csvResponse(result.confusions, 'classifier-confusions') as never;
    return c.json({ ...periodEcho(deps, filter), ...result }, 200);
  });
}
