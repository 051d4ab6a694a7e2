import { z } from 'zod';
import { userActor } from '../../../auth/actor.js';
import type { Deps } from '../../../deps.js';
import { rejectDraft } from '../../../pipeline/review/actions.js';
import { type InboxApp, lockField, readForm, reviewNotice, withParams } from './shared.js';

const rejectForm = z.object({
  reason: z.string().trim().min(1).max(100),
  note: z.string().trim().max(400).optional(),
  lockVersion: lockField,
});

/** POST /app/drafts/:id/reject: reject with a reason (and an optional note). */
export function registerRejectForm(app: InboxApp, deps: Deps) {
  app.post('/app/drafts/:id/reject', async (c) => {
    const posted = await readForm(c, rejectForm);
    if (!posted.ok) return posted.invalid;
    const { back, id, input } = posted;
    const reason = input.note ? `${input.reason}: ${input.note}` : input.reason;
    const result = await rejectDraft(deps, {
      draftId: id,
      actor: userActor(c.get('user')),
      lockVersion: input.lockVersion,
      reason,
    });
    if (!result.ok) return c.redirect(withParams(back, { notice: reviewNotice(result) }), 303);
    return c.redirect(withParams(back, { notice: 'rejected' }), 303);
  });
}
