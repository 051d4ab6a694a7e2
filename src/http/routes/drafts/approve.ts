import { createRoute } from '@hono/zod-openapi';
import { actorOf } from '../../../auth/actor.js';
import type { Deps } from '../../../deps.js';
import { approveDraft } from '../../../pipeline/review/actions.js';
import { AppError, describeIssues } from '../../errors.js';
import type { Router } from '../../openapi.js';
import {
  approvedResponse,
  approvedView,
  holdingReplyField,
  lockBody,
  params,
  security,
} from './schemas.js';
import { optionalBody, reviewError } from './shared.js';

const approveBody = lockBody.extend({ holdingReply: holdingReplyField });

export const route = createRoute({
  method: 'post',
  path: '/api/drafts/{id}/approve',
  summary:
    'Approve and send as written (agent). Optional body: {"lockVersion": n, "holdingReply": true}',
  security,
  request: {
    params,
    body: { content: { 'application/json': { schema: approveBody } }, required: false },
  },
  responses: approvedResponse,
});

export function registerApproveDraft(app: Router, deps: Deps) {
  // Documented with its body, but read by `optionalBody` rather than the generated validator: an
  // empty body is {} whatever its content type, as clients have always sent it.
  app.openAPIRegistry.registerPath(route);
  app.post('/api/drafts/:id/approve', async (c) => {
    const param = params.safeParse({ id: c.req.param('id') });
    if (!param.success) throw new AppError('validation_failed', describeIssues(param.error.issues));
    const { lockVersion, holdingReply } = await optionalBody(c, approveBody);
    const result = await approveDraft(deps, {
      draftId: param.data.id,
      actor: actorOf(c.get('principal')!),
      lockVersion,
      holdingReply,
    });
    if (!result.ok) throw await reviewError(deps.db, result);
    return c.json(await approvedView(deps.db, result.draft, deps.config, result.delivery), 200);
  });
}
