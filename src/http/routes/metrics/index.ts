import type { Deps } from '../../../deps.js';
import { createRouter } from '../../openapi.js';
import { classifierMetricsRoute } from './classifier.js';
import { groupedRoutes } from './grouped.js';
import { createFreshness, freshFilter } from './shared.js';
import { summaryRoute } from './summary.js';

/** /api/metrics/*: manager dashboards over the ticket_metrics facts table. */
export function metricsRoutes(deps: Deps) {
  const app = createRouter();
  const filterOf = freshFilter(deps, createFreshness(deps));
  summaryRoute(app, deps, filterOf);
  groupedRoutes(app, deps, filterOf);
  classifierMetricsRoute(app, deps, filterOf);
  return app;
}
