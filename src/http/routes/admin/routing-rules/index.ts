import type { Deps } from '../../../../deps.js';
import { createRouter } from '../../../openapi.js';
import { registerListRoutingRules } from './list.js';
import { registerReplaceRoutingRules } from './replace.js';

/**
 * /api/admin/routing-rules: one file per operation, each exporting its `route` and a
 * `register…(app, deps)` that applies its role (managers read, admins replace the list).
 */
export function routingRuleRoutes(deps: Deps) {
  const app = createRouter();
  registerListRoutingRules(app, deps);
  registerReplaceRoutingRules(app, deps);
  return app;
}
