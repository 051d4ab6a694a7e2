import { createRoute, z } from '@hono/zod-openapi';
import { classifierMetrics } from '../../../metrics/index.js';
import { requireRole } from '../../middleware/auth.js';
import type { Router } from '../../openapi.js';
import { csvIfAsked, filterQuery, jsonOrCsv, type MetricsRouteDeps, periodEcho } from './shared.js';

export const route = createRoute({
  method: 'get',
  path: '/api/metrics/classifier',
  summary:
    'Classifier against agent corrections: accuracy, per-category precision (by predicted category) and recall (by final category), the most confused labels (manager)',
  security: [{ apiKey: [] }],
  request: {
    query: filterQuery.extend({
      table: z.enum(['byCategory', 'confusions']).default('confusions').openapi({
        description:
          'Which table the CSV holds: precision and recall per category, or the confused pairs (the dashboard exports both)',
      }),
    }),
  },
  responses: jsonOrCsv(
    'Accuracy overall, precision and recall per category, and the confused pairs; CSV: `table`',
    {
      triaged: z.number(),
      corrected: z.number(),
      accuracy: z.number().nullable(),
      byCategory: z.array(
        z.object({
          category: z.string(),
          predicted: z.number().openapi({ description: 'Tickets predicted as this category' }),
          actual: z.number().openapi({
            description: 'Tickets whose final category (correction, else prediction) is this one',
          }),
          correct: z.number(),
          precision: z.number().nullable().openapi({ description: 'correct ÷ predicted' }),
          recall: z.number().nullable().openapi({ description: 'correct ÷ actual' }),
        }),
      ),
      confusions: z.array(
        z.object({ predicted: z.string(), corrected: z.string(), count: z.number() }),
      ),
    },
  ),
});

export function registerClassifierMetrics(app: Router, deps: MetricsRouteDeps) {
  app.on('GET', route.path, requireRole(deps, 'manager'));
  app.openapi(route, async (c) => {
    const q = c.req.valid('query');
    const { filter, db } = await deps.filterOf(c, q);
    const result = await classifierMetrics(db, deps.config, filter);
    const csv = csvIfAsked(c, q, () =>
      q.table === 'byCategory'
        ? { rows: result.byCategory, name: 'classifier-precision-recall' }
        : { rows: result.confusions, name: 'classifier-confusions' },
    );
    if (csv) return csv as never;
    return c.json({ ...periodEcho(deps, filter), ...result }, 200);
  });
}
