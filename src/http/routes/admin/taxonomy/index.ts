import type { Deps } from '../../../../deps.js';
import { createRouter } from '../../../openapi.js';
import { listTaxonomyRoute } from './list.js';
import { retireStarterRoute } from './retire-starter.js';
import { saveTaxonomyRoute } from './save.js';

/** /api/admin/taxonomy: one file per operation. */
export function taxonomyRoutes(deps: Deps) {
  const app = createRouter();
  listTaxonomyRoute(app, deps);
  retireStarterRoute(app, deps);
  saveTaxonomyRoute(app, deps);
  return app;
}
