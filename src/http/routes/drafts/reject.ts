import { createRoute, z } from '@hono/zod-openapi';
import { actorOf } from '../../../auth/actor.js';
import type { Deps } from '../../../deps.js';
import { rejectDraft } from '../../../pipeline/review/actions.js';
import { jsonBody, type Router } from '../../openapi.js';
import { draftResponse, draftViewOf, lockBody, params, security } from './schemas.js';
import { reviewError } from './shared.js';

export const route = createRoute({
  method: 'post',
  path: '/api/drafts/{id}/reject',
  summary: 'Reject with a reason (agent)',
  security,
  request: {
    params,
    body: jsonBody(lockBody.extend({ reason: z.string().trim().min(1).max(500) })),
  },
  responses: draftResponse,
});

export function registerRejectDraft(app: Router, deps: Deps) {
  app.openapi(route, async (c) => {
    const input = c.req.valid('json');
    const result = await rejectDraft(deps, {
      draftId: c.req.valid('param').id,
      actor: actorOf(c.get('principal')!),
      lockVersion: input.lockVersion,
      reason: input.reason,
    });
    if (!result.ok) throw await reviewError(deps.db, result);
    return c.json({ draft: await draftViewOf(deps.db, result.draft) }, 200);
  });
}
