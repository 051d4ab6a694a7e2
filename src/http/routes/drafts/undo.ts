import { createRoute, z } from '@hono/zod-openapi';
import { actorOf } from '../../../auth/actor.js';
import { actorLabel, actorNames } from '../../../auth/actor-names.js';
import type { Deps } from '../../../deps.js';
import { tooLateWording } from '../../../pipeline/deliver/wording.js';
import { undoApproval } from '../../../pipeline/review/undo.js';
import { AppError } from '../../errors.js';
import type { Router } from '../../openapi.js';
import { draftSchema, draftViewOf, params, security } from './schemas.js';

export const route = createRoute({
  method: 'post',
  path: '/api/drafts/{id}/undo',
  summary:
    'Take an approval back while its reply waits out the undo window (SEND_DELAY_SECONDS; agent). Only its approver (the author of a reply written by hand) may, or a manager or admin as an audited override; anyone else gets 403. The draft is pending again with the approved text as its working copy. 409 when the send already started: the message says whether it is being sent or was sent.',
  security,
  request: { params },
  responses: {
    200: {
      description: 'Undone: nothing was or will be sent',
      content: { 'application/json': { schema: z.object({ draft: draftSchema }) } },
    },
  },
});

export function registerUndoApproval(app: Router, deps: Deps) {
  app.openapi(route, async (c) => {
    const result = await undoApproval(deps, {
      draftId: c.req.valid('param').id,
      actor: actorOf(c.get('principal')!),
    });
    if (!result.ok) {
      if (result.reason === 'not_found') throw new AppError('not_found', 'No such draft');
      if (result.reason === 'forbidden') {
        const { decidedBy } = result.draft;
        const names = await actorNames(deps.db, [decidedBy]);
        throw new AppError(
          'forbidden',
          `Only ${decidedBy ? actorLabel(decidedBy, names) : 'its approver'}, who ${
            result.draft.kind === 'manual' ? 'wrote' : 'approved'
          } this reply, or a manager can undo it`,
        );
      }
      if (result.reason === 'not_approved') {
        throw new AppError('conflict', `Nothing to undo: the draft is ${result.draft.status}`);
      }
      throw new AppError('conflict', tooLateWording(result.delivery));
    }
    return c.json({ draft: await draftViewOf(deps.db, result.draft) }, 200);
  });
}
