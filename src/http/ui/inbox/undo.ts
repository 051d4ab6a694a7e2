import { z } from 'zod';
import { userActor } from '../../../auth/actor.js';
import { getDraftInScope } from '../../../auth/team-scope.js';
import { getDeliveryForDraft } from '../../../db/queries/drafts.js';
import { getTicket } from '../../../db/queries/tickets.js';
import type { Deps } from '../../../deps.js';
import { mayUndo, undoApproval } from '../../../pipeline/review/undo.js';
import type { PendingUndo } from '../pages/undo-bar.js';
import type { UiEnv } from '../session.js';
import { type InboxApp, readForm, withParams } from './shared.js';

/**
 * The undo window of a draft this user just approved, if it is still open — and the user may
 * undo it (`mayUndo`): no Undo button for a colleague's reply.
 */
export async function pendingUndo(
  deps: Pick<Deps, 'db' | 'config'>,
  user: UiEnv['Variables']['user'],
  draftId: string,
): Promise<PendingUndo | null> {
  const draft = await getDraftInScope(deps.db, user, draftId);
  if (draft?.status !== 'approved' || !mayUndo(userActor(user), draft)) return null;
  const delivery = await getDeliveryForDraft(deps.db, draft.id);
  if (!delivery || delivery.state !== 'pending' || !delivery.sendAfter) return null;
  const remainingMs = delivery.sendAfter.getTime() - Date.now();
  if (remainingMs <= 0) return null;
  const ticket = await getTicket(deps.db, draft.ticketId);
  return {
    draftId: draft.id,
    ticketId: draft.ticketId,
    subject: ticket?.subject ?? '',
    remainingMs,
    held: delivery.channel === 'email' && !deps.config.SMTP_URL,
  };
}

/**
 * POST /app/drafts/:id/undo: takes an approval back within the window. A lost race says what
 * happened to the reply (being sent / sent), never "undone".
 */
export function registerUndoForm(app: InboxApp, deps: Deps) {
  app.post('/app/drafts/:id/undo', async (c) => {
    const posted = await readForm(c, z.object({}));
    if (!posted.ok) return posted.invalid;
    const { back, id } = posted;
    const result = await undoApproval(deps, {
      draftId: id,
      actor: userActor(c.get('user')),
    });
    if (!result.ok && result.reason === 'not_found') {
      return c.redirect(withParams(back, { notice: 'missing' }), 303);
    }
    const draft = result.draft!;
    if (result.ok && draft.kind === 'manual') {
      // The reply comes back into the composer it was written in (the page reads it by id).
      return c.redirect(
        withParams(back, { ticket: draft.ticketId, notice: 'reply_undone', restore: draft.id }),
        303,
      );
    }
    if (result.ok) {
      return c.redirect(withParams(back, { ticket: draft.ticketId, notice: 'undone' }), 303);
    }
    if (result.reason === 'forbidden') {
      return c.redirect(
        withParams(back, { ticket: draft.ticketId, notice: 'undo_forbidden' }),
        303,
      );
    }
    if (result.reason !== 'too_late') {
      return c.redirect(withParams(back, { ticket: draft.ticketId, notice: 'decided' }), 303);
    }
    const state = result.delivery?.state;
    const notice =
      state === 'sent' ? 'too_late_sent' : state === 'sending' ? 'too_late_sending' : 'too_late';
    return c.redirect(withParams(back, { ticket: draft.ticketId, notice }), 303);
  });
}
