import { z } from 'zod';
import { userActor } from '../../../auth/actor.js';
import { getTicket } from '../../../db/queries/tickets.js';
import type { Deps } from '../../../deps.js';
import { approveDraft } from '../../../pipeline/review/actions.js';
import { type InboxApp, lockField, readForm, reviewNotice, withParams } from './shared.js';

const approveForm = z.object({
  // Browsers submit textarea line breaks as CRLF (HTML spec); drafts are stored with LF.
  text: z
    .string()
    .transform((t) => t.replace(/\r\n?/g, '\n').trim())
    .pipe(z.string().min(1).max(20_000)),
  lockVersion: lockField,
  /** The agent ticked "send this holding reply as written" (an abstained draft). */
  holdingReply: z.literal('yes').optional().catch(undefined),
});

async function isEmailTicket(deps: Pick<Deps, 'db'>, ticketId: string): Promise<boolean> {
  const ticket = await getTicket(deps.db, ticketId);
  return ticket?.source !== 'zendesk';
}

/** POST /app/drafts/:id/approve: approve as written, or edit-and-approve when the text changed. */
export function registerApproveForm(app: InboxApp, deps: Deps) {
  app.post('/app/drafts/:id/approve', async (c) => {
    const posted = await readForm(c, approveForm);
    if (!posted.ok) return posted.invalid;
    const { back, id, input } = posted;
    // Unchanged text is a plain approval; anything else is edit-and-approve (the diff is kept).
    const result = await approveDraft(deps, {
      draftId: id,
      actor: userActor(c.get('user')),
      lockVersion: input.lockVersion,
      finalText: input.text,
      holdingReply: input.holdingReply === 'yes',
    });
    if (!result.ok) {
      // A draft that is missing or another team's names no ticket back.
      return c.redirect(
        withParams(back, { ticket: result.draft?.ticketId, notice: reviewNotice(result) }),
        303,
      );
    }
    const edited = result.draft.editDiff !== null;
    // The reply waits out the undo window; the page shows it counting down with Undo.
    const held = !deps.config.SMTP_URL && (await isEmailTicket(deps, result.draft.ticketId));
    return c.redirect(
      withParams(back, {
        notice: held ? 'approved_held' : edited ? 'edited' : 'approved',
        undo: result.draft.id,
      }),
      303,
    );
  });
}
