import { z } from 'zod';
import { getDraftInScope } from '../../../auth/team-scope.js';
import type { Deps } from '../../../deps.js';
import { approveDraft } from '../../../pipeline/review/actions.js';
import {
  backOf,
  form,
  type InboxApp,
  lockField,
  reviewNotice,
  uuidParam,
  withParams,
} from './shared.js';

const approveForm = z.object({
  // Browsers submit textarea line breaks as CRLF (HTML spec); drafts are stored with LF.
  text: z
    .string()
    .transform((t) => t.replace(/\r\n?/g, '\n').trim())
    .pipe(z.string().min(1).max(20_000)),
  lockVersion: lockField,
});

/** POST /app/drafts/:id/approve: approve as written, or edit-and-approve when the text changed. */
export function registerApproveForm(app: InboxApp, deps: Deps) {
  app.post('/app/drafts/:id/approve', async (c) => {
    const body = await form(c);
    const back = backOf(body);
    const id = uuidParam.safeParse(c.req.param('id'));
    const input = approveForm.safeParse(body);
    if (!id.success || !input.success)
      return c.redirect(withParams(back, { notice: 'invalid' }), 303);
    const draft = await getDraftInScope(deps.db, c.get('user'), id.data);
    if (!draft) return c.redirect(withParams(back, { notice: 'missing' }), 303);
    // Unchanged text is a plain approval; anything else is edit-and-approve (the diff is kept).
    const edited = input.data.text !== draft.bodyText.trim();
    const result = await approveDraft(deps, {
      draftId: draft.id,
      actorId: c.get('user').email,
      lockVersion: input.data.lockVersion,
      ...(edited ? { finalText: input.data.text } : {}),
    });
    if (!result.ok) {
      return c.redirect(
        withParams(back, { ticket: draft.ticketId, notice: reviewNotice(result) }),
        303,
      );
    }
    return c.redirect(withParams(back, { notice: edited ? 'edited' : 'approved' }), 303);
  });
}
