import type { Deps } from '../../../deps.js';
import { createRouter } from '../../openapi.js';
import { actionsRoute } from './actions.js';
import { aiInteractionsRoute } from './ai-interactions.js';

/** /api/audit/*: who and what did what, for managers (see src/audit/list.ts for what is shown). */
export function auditRoutes(deps: Deps) {
  const app = createRouter();
  aiInteractionsRoute(app, deps);
  actionsRoute(app, deps);
  return app;
}
