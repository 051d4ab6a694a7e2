import type { Deps } from '../../../deps.js';
import { mountOperations } from '../../mount.js';
import { createRouter } from '../../openapi.js';
import { registerListAuditActions } from './actions.js';
import { registerListAiInteractions } from './ai-interactions.js';

/**
 * /api/audit/*: who and what did what, for managers (see src/audit/list.ts for what is shown); one
 * file per operation, each exporting its OpenAPI `route` and a `register…(app, deps)` that applies
 * the manager role.
 */
export function auditRoutes(deps: Deps) {
  const app = createRouter();
  return mountOperations(app, deps, {
    operations: [registerListAiInteractions, registerListAuditActions],
  });
}
