import type { Deps } from '../../../deps.js';
import { mountOperations } from '../../mount.js';
import { createRouter } from '../../openapi.js';
import { registerMetricsBySlice } from './by-slice.js';
import { registerClassifierMetrics } from './classifier.js';
import { createFreshness, freshFilter, type MetricsRouteDeps } from './shared.js';
import { registerMetricsSummary } from './summary.js';
import { registerMetricsTimeseries } from './timeseries.js';

/**
 * /api/metrics/*: manager dashboards over the ticket_metrics facts table; one file per operation,
 * each exporting its OpenAPI `route` and a `register…(app, deps)` that applies the manager role.
 * All of them share one `filterOf`, so the facts table is refreshed at most once per 15 s.
 */
export function metricsRoutes(deps: Deps) {
  const app = createRouter();
  const routeDeps: MetricsRouteDeps = {
    ...deps,
    filterOf: freshFilter(deps, createFreshness(deps)),
  };
  return mountOperations(app, routeDeps, {
    operations: [
      registerMetricsSummary,
      registerMetricsTimeseries,
      registerMetricsBySlice,
      registerClassifierMetrics,
    ],
  });
}
