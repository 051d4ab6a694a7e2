import type { Deps } from '../../../../deps.js';
import { mountOperations } from '../../../mount.js';
import { createRouter } from '../../../openapi.js';
import { registerListTaxonomy } from './list.js';
import { registerRetireStarterCategories } from './retire-starter.js';
import { registerSaveTaxonomyCategory } from './save.js';

/**
 * /api/admin/taxonomy: one file per operation, each exporting its `route` and a
 * `register…(app, deps)` that applies its role (managers read, admins change).
 */
export function taxonomyRoutes(deps: Deps) {
  return mountOperations(createRouter(), deps, {
    operations: [
      registerListTaxonomy,
      registerRetireStarterCategories,
      registerSaveTaxonomyCategory,
    ],
  });
}
