import type { Deps } from '../../../../deps.js';
import { mountOperations } from '../../../mount.js';
import { createRouter } from '../../../openapi.js';
import { registerListRoutingRules } from './list.js';
import { registerReplaceRoutingRules } from './replace.js';

/**
 * /api/admin/routing-rules: one file per operation, each exporting its `route` and a
 * `register…(app, deps)` that applies its role (managers read, admins replace the list).
 */
export function routingRuleRoutes(deps: Deps) {
  return mountOperations(createRouter(), deps, {
    operations: [registerListRoutingRules, registerReplaceRoutingRules],
  });
}
