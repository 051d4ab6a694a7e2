import type { Deps } from '../../../../deps.js';
import { mountOperations } from '../../../mount.js';
import { createRouter } from '../../../openapi.js';
import { registerEraseCustomer } from './erase.js';

/**
 * /api/admin/customers: erasure of a customer's personal data; one file per operation, each
 * exporting its OpenAPI `route` and a `register…(app, deps)` that applies the admin role.
 */
export function customerRoutes(deps: Deps) {
  return mountOperations(createRouter(), deps, {
    operations: [registerEraseCustomer],
  });
}
