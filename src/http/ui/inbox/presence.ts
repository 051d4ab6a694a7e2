import { z } from 'zod';
import { canAccessTicket } from '../../../auth/team-scope.js';
import type { Deps } from '../../../deps.js';
import { markPresence } from '../../../live/presence.js';
import { AppError, describeIssues } from '../../errors.js';
import { form, type InboxApp } from './shared.js';

const presenceForm = z.object({
  ticketId: z.uuid(),
  state: z.enum(['viewing', 'editing', 'left']),
  /** The open page's own id (app.js picks one per load), so its late requests can't outlive it. */
  pageId: z
    .string()
    .regex(/^[A-Za-z0-9_-]{8,64}$/, 'pageId: 8–64 letters, digits, - or _')
    .optional(),
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
      { userId: user.id, name: user.name || user.email, pageId: input.data.pageId },
      input.data.state,
    );
    return c.json({ viewers, me: user.id });
  });
}
