import type { Deps } from '../../../../deps.js';
import { mountOperations } from '../../../mount.js';
import { createRouter } from '../../../openapi.js';
import { registerRetrainClassifier } from './retrain.js';
import { registerListClassifierVersions } from './versions.js';

/**
 * /api/admin/classifier: one file per operation, each exporting its `route` and a
 * `register…(app, deps)` that applies its role (managers read, admins retrain).
 */
export function classifierRoutes(deps: Deps) {
  return mountOperations(createRouter(), deps, {
    operations: [registerListClassifierVersions, registerRetrainClassifier],
  });
}
