import { z } from 'zod';
import { userActor } from '../../../auth/actor.js';
import type { Deps } from '../../../deps.js';
import { rejectDraft } from '../../../pipeline/review/actions.js';
import {
  backOf,
  form,
  type InboxApp,
  lockField,
  reviewNotice,
  uuidParam,
  withParams,
} from './shared.js';

const rejectForm = z.object({
  reason: z.string().trim().min(1).max(100),
  note: z.string().trim().max(400).optional(),
  lockVersion: lockField,
});

/** POST /app/drafts/:id/reject: reject with a reason (and an optional note). */
export function registerRejectForm(app: InboxApp, deps: Deps) {
  app.post('/app/drafts/:id/reject', async (c) => {
    const body = await form(c);
    const back = backOf(body);
    const id = uuidParam.safeParse(c.req.param('id'));
    const input = rejectForm.safeParse(body);
    if (!id.success || !input.success)
      return c.redirect(withParams(back, { notice: 'invalid' }), 303);
    const reason = input.data.note ? `${input.data.reason}: ${input.data.note}` : input.data.reason;
    const result = await rejectDraft(deps, {
      draftId: id.data,
      actor: userActor(c.get('user')),
      lockVersion: input.data.lockVersion,
      reason,
    });
    if (!result.ok) return c.redirect(withParams(back, { notice: reviewNotice(result) }), 303);
    return c.redirect(withParams(back, { notice: 'rejected' }), 303);
  });
}
