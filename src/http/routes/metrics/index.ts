import type { Deps } from '../../../deps.js';
import { createRouter } from '../../openapi.js';
import { classifierMetricsRoute } from './classifier.js';
import { groupedRoutes } from './grouped.js';
import { createFreshness } from './shared.js';
import { summaryRoute } from './summary.js';

/** /api/metrics/*: manager dashboards over the ticket_metrics facts table. */
export function metricsRoutes(deps: Deps) {
  const app = createRouter();
  const fresh = createFreshness(deps);
  summaryRoute(app, deps, fresh);
  groupedRoutes(app, deps, fresh);
  classifierMetricsRoute(app, deps, fresh);
  return app;
}
