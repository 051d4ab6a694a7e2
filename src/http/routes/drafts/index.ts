import type { Deps } from '../../../deps.js';
import { requireRole } from '../../middleware/auth.js';
import { mountOperations } from '../../mount.js';
import { createRouter } from '../../openapi.js';
import { registerApproveDraft } from './approve.js';
import { registerClaimDraft } from './claim.js';
import { registerEditDraft } from './edit.js';
import { registerGetDraft } from './get.js';
import { registerListDrafts } from './list.js';
import { registerRegenerateDraft } from './regenerate.js';
import { registerRejectDraft } from './reject.js';
import { registerUndoApproval } from './undo.js';

/**
 * /api/drafts: one file per operation, each exporting its OpenAPI `route` and a
 * `register…(app, deps)` that mounts the handler. Every operation needs the agent role.
 */
export function draftRoutes(deps: Deps) {
  const app = createRouter();
  return mountOperations(app, deps, {
    guard: {
      by: requireRole(deps, 'agent'),
      paths: ['/api/drafts', '/api/drafts/*'],
    },
    operations: [
      registerListDrafts,
      registerGetDraft,
      registerClaimDraft,
      registerApproveDraft,
      registerEditDraft,
      registerRejectDraft,
      registerRegenerateDraft,
      registerUndoApproval,
    ],
  });
}
