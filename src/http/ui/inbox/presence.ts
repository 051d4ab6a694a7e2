import { z } from 'zod';
import { canAccessTicket } from '../../../auth/team-scope.js';
import type { Deps } from '../../../deps.js';
import { markPresence } from '../../../live/presence.js';
import { AppError, describeIssues } from '../../errors.js';
import { form, type InboxApp } from './shared.js';

const presenceForm = z.object({
  ticketId: z.uuid(),
  state: z.enum(['viewing', 'editing', 'left']),
});

/**
 * POST /app/presence: the open page says this agent is viewing the ticket, editing its draft, or
 * left (app.js: on load, every 15 s, on focus and edits of the reply, and on leaving the page).
 * Answers with everyone on the ticket now; the others hear it through the event stream.
 */
export function registerPresence(app: InboxApp, deps: Deps) {
  app.post('/app/presence', async (c) => {
    const input = presenceForm.safeParse(await form(c));
    if (!input.success) throw new AppError('validation_failed', describeIssues(input.error.issues));
    const user = c.get('user');
    if (!(await canAccessTicket(deps.db, user, input.data.ticketId))) {
      throw new AppError('not_found', 'No such ticket');
    }
    const viewers = await markPresence(
      deps,
      input.data.ticketId,
      { userId: user.id, name: user.name || user.email },
      input.data.state,
    );
    return c.json({ viewers, me: user.id });
  });
}
