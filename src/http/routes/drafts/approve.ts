import { createRoute } from '@hono/zod-openapi';
import { actorOf } from '../../../auth/actor.js';
import type { Deps } from '../../../deps.js';
import { approveDraft } from '../../../pipeline/review/actions.js';
import type { Router } from '../../openapi.js';
import { approvedResponse, approvedView, lockBody, params, security } from './schemas.js';
import { optionalBody, reviewError } from './shared.js';

export const route = createRoute({
  method: 'post',
  path: '/api/drafts/{id}/approve',
  summary: 'Approve and send as written (agent). Optional body: {"lockVersion": n}',
  security,
  request: { params },
  responses: approvedResponse,
});

export function registerApproveDraft(app: Router, deps: Deps) {
  app.openapi(route, async (c) => {
    const { lockVersion } = await optionalBody(c, lockBody);
    const result = await approveDraft(deps, {
      draftId: c.req.valid('param').id,
      actor: actorOf(c.get('principal')!),
      lockVersion,
    });
    if (!result.ok) reviewError(result);
    return c.json(await approvedView(deps.db, result.draft, deps.config), 200);
  });
}
