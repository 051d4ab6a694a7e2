import { createRoute } from '@hono/zod-openapi';
import { actorOf } from '../../../auth/actor.js';
import type { Deps } from '../../../deps.js';
import { claim } from '../../../pipeline/review/actions.js';
import type { Router } from '../../openapi.js';
import { draftResponse, draftViewOf, params, security } from './schemas.js';
import { reviewError } from './shared.js';

export const route = createRoute({
  method: 'post',
  path: '/api/drafts/{id}/claim',
  summary: 'Claim a draft so no other agent approves it meanwhile (agent)',
  security,
  request: { params },
  responses: draftResponse,
});

export function registerClaimDraft(app: Router, deps: Deps) {
  app.openapi(route, async (c) => {
    const result = await claim(deps, {
      draftId: c.req.valid('param').id,
      actor: actorOf(c.get('principal')!),
    });
    if (!result.ok) throw await reviewError(deps.db, result);
    return c.json({ draft: await draftViewOf(deps.db, result.draft) }, 200);
  });
}
