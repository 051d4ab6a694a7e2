import { createRoute, z } from '@hono/zod-openapi';
import { actorOf } from '../../../auth/actor.js';
import type { Deps } from '../../../deps.js';
import { approveDraft } from '../../../pipeline/review/actions.js';
import { jsonBody, type Router } from '../../openapi.js';
import {
  approvedResponse,
  approvedView,
  holdingReplyField,
  lockBody,
  params,
  security,
} from './schemas.js';
import { reviewError } from './shared.js';

export const route = createRoute({
  method: 'post',
  path: '/api/drafts/{id}/edit',
  summary: 'Edit and approve: the final text, a diff and the word edit distance are stored (agent)',
  security,
  request: {
    params,
    body: jsonBody(
      lockBody.extend({
        text: z.string().trim().min(1).max(20_000),
        holdingReply: holdingReplyField,
      }),
    ),
  },
  responses: approvedResponse,
});

export function registerEditDraft(app: Router, deps: Deps) {
  app.openapi(route, async (c) => {
    const input = c.req.valid('json');
    const result = await approveDraft(deps, {
      draftId: c.req.valid('param').id,
      actor: actorOf(c.get('principal')!),
      lockVersion: input.lockVersion,
      finalText: input.text,
      holdingReply: input.holdingReply,
    });
    if (!result.ok) throw await reviewError(deps.db, result);
    return c.json(await approvedView(deps.db, result.draft, deps.config, result.delivery), 200);
  });
}
