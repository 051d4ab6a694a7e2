import { z } from 'zod';
import { userActor } from '../../../auth/actor.js';
import type { Deps } from '../../../deps.js';
import { regenerateDraft } from '../../../pipeline/review/actions.js';
import {
  backOf,
  form,
  type InboxApp,
  lockField,
  reviewNotice,
  uuidParam,
  withParams,
} from './shared.js';

const regenerateForm = z.object({
  instructions: z.string().trim().max(500).optional(),
  lockVersion: lockField,
});

/** POST /app/drafts/:id/regenerate: ask for a new version, optionally with instructions. */
export function registerRegenerateForm(app: InboxApp, deps: Deps) {
  app.post('/app/drafts/:id/regenerate', async (c) => {
    const body = await form(c);
    const back = backOf(body);
    const id = uuidParam.safeParse(c.req.param('id'));
    const input = regenerateForm.safeParse(body);
    if (!id.success || !input.success)
      return c.redirect(withParams(back, { notice: 'invalid' }), 303);
    const result = await regenerateDraft(deps, {
      draftId: id.data,
      actor: userActor(c.get('user')),
      lockVersion: input.data.lockVersion,
      instructions: input.data.instructions || null,
    });
    if (!result.ok) return c.redirect(withParams(back, { notice: reviewNotice(result) }), 303);
    return c.redirect(
      withParams(back, { ticket: result.draft.ticketId, notice: 'regenerating' }),
      303,
    );
  });
}
