import { z } from 'zod';
import { userActor } from '../../../auth/actor.js';
import type { Deps } from '../../../deps.js';
import { regenerateDraft } from '../../../pipeline/review/actions.js';
import { type InboxApp, lockField, readForm, reviewNotice, withParams } from './shared.js';

const regenerateForm = z.object({
  instructions: z.string().trim().max(500).optional(),
  lockVersion: lockField,
});

/** POST /app/drafts/:id/regenerate: ask for a new version, optionally with instructions. */
export function registerRegenerateForm(app: InboxApp, deps: Deps) {
  app.post('/app/drafts/:id/regenerate', async (c) => {
    const posted = await readForm(c, regenerateForm);
    if (!posted.ok) return posted.invalid;
    const { back, id, input } = posted;
    const result = await regenerateDraft(deps, {
      draftId: id,
      actor: userActor(c.get('user')),
      lockVersion: input.lockVersion,
      instructions: input.instructions || null,
    });
    if (!result.ok) return c.redirect(withParams(back, { notice: reviewNotice(result) }), 303);
    return c.redirect(
      withParams(back, { ticket: result.draft.ticketId, notice: 'regenerating' }),
      303,
    );
  });
}
