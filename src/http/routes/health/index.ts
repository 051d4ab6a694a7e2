import type { Deps } from '../../../deps.js';
import { mountOperations } from '../../mount.js';
import { createRouter } from '../../openapi.js';
import { registerHealthz } from './healthz.js';
import { registerReadyz } from './readyz.js';

/**
 * /healthz: the process is up. /readyz: it can do work (database and Redis answer). Open to
 * anyone (probes carry no credentials), so no guard.
 */
export function healthRoutes(deps: Pick<Deps, 'database' | 'redis'>) {
  return mountOperations(createRouter(), deps, { operations: [registerHealthz, registerReadyz] });
}
