import { createRoute, z } from '@hono/zod-openapi';
import { actorOf } from '../../../auth/actor.js';
import type { Deps } from '../../../deps.js';
import { describeInstructions } from '../../../pipeline/draft/instructions.js';
import { regenerateDraft } from '../../../pipeline/review/actions.js';
import type { Router } from '../../openapi.js';
import { draftSchema, draftViewOf, lockBody, params, security } from './schemas.js';
import { optionalBody, reviewError } from './shared.js';

export const route = createRoute({
  method: 'post',
  path: '/api/drafts/{id}/regenerate',
  summary: 'Ask for a new version, optionally with instructions such as "shorter" (agent)',
  security,
  request: { params },
  responses: {
    202: {
      description:
        "Queued; the new version appears in the list. `willDo` says what the instructions will change; the new version's `regeneration.unchanged` says when nothing different could be produced.",
      content: {
        'application/json': { schema: z.object({ draft: draftSchema, willDo: z.string() }) },
      },
    },
  },
});

const regenerateBody = lockBody.extend({ instructions: z.string().trim().max(500).optional() });

export function registerRegenerateDraft(app: Router, deps: Deps) {
  app.openapi(route, async (c) => {
    const input = await optionalBody(c, regenerateBody);
    const result = await regenerateDraft(deps, {
      draftId: c.req.valid('param').id,
      actor: actorOf(c.get('principal')!),
      lockVersion: input.lockVersion,
      instructions: input.instructions ?? null,
    });
    if (!result.ok) throw await reviewError(deps.db, result);
    return c.json(
      {
        draft: await draftViewOf(deps.db, result.draft),
        willDo: describeInstructions(input.instructions),
      },
      202,
    );
  });
}
