import { createRoute, z } from '@hono/zod-openapi';
import type { Deps } from '../../../deps.js';
import { metricsBy, periods, sliceDimensions } from '../../../metrics/index.js';
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

const groupsSchema = z.object({
  ...periodEchoSchema,
  groupBy: z.string(),
  rows: z.array(z.record(z.string(), z.unknown())),
});

const timeseries = createRoute({
  method: 'get',
  path: '/api/metrics/timeseries',
  summary:
    'Metrics per day or week (Monday) in TIME_ZONE, of creation or with basis=solved of solve (manager)',
  security: [{ apiKey: [] }],
  request: { query: filterQuery.extend({ interval: z.enum(periods).default('day') }) },
  responses: jsonOrCsv('One row per period that has tickets', groupsSchema),
});

const bySlice = createRoute({
  method: 'get',
  path: '/api/metrics/by-category',
  summary:
    'Metrics per category, or per team/queue/channel/language/priority with groupBy (manager)',
  security: [{ apiKey: [] }],
  request: { query: filterQuery.extend({ groupBy: z.enum(sliceDimensions).default('category') }) },
  responses: jsonOrCsv('One row per slice value ("(none)" when unset)', groupsSchema),
});

export function groupedRoutes(app: Router, deps: Deps, filterOf: FilterOf) {
  app.on('GET', [timeseries.path, bySlice.path], requireRole(deps, 'manager'));
  app.openapi(timeseries, async (c) => {
    const q = c.req.valid('query');
    const { filter, db } = await filterOf(c, q);
    const rows = await metricsBy(db, deps.config, filter, q.interval);
    if (wantsCsv(c, q)) return csvResponse(rows, `metrics-${q.interval}`) as never;
    const range = periodEcho(deps, filter);
    return c.json({ ...range, groupBy: q.interval, rows }, 200);
  });
  app.openapi(bySlice, async (c) => {
    const q = c.req.valid('query');
    const { filter, db } = await filterOf(c, q);
    const rows = await metricsBy(db, deps.config, filter, q.groupBy);
    if (wantsCsv(c, q)) return csvResponse(rows, `metrics-by-${q.groupBy}`) as never;
    const range = periodEcho(deps, filter);
    return c.json({ ...range, groupBy: q.groupBy, rows }, 200);
  });
}
