import { userActor } from '../../../auth/actor.js';
import type { Deps } from '../../../deps.js';
import { solveTicket } from '../../../pipeline/review/sla-solve.js';
import { uuidParam, withParams } from '../inbox/shared.js';
import type { TicketsApp } from './shared.js';

/**
 * POST /app/tickets/:id/solve — the ticket page's "Solve" button for email and API tickets (no
 * helpdesk reports their solves): `solveTicket`, the function behind POST /api/tickets/{id}/solve.
 */
export function registerSolveForm(app: TicketsApp, deps: Pick<Deps, 'db' | 'live'>) {
  app.post('/app/tickets/:id/solve', async (c) => {
    const id = uuidParam.safeParse(c.req.param('id'));
    if (!id.success) return c.redirect('/app/tickets?notice=missing', 303);
    const result = await solveTicket(deps, {
      ticketId: id.data,
      actor: userActor(c.get('user')),
    });
    // Another team's ticket answers like a missing one, as from the reply and note forms.
    if (!result.ok && result.reason === 'not_found') {
      return c.redirect('/app/tickets?notice=no_ticket', 303);
    }
    const notice = !result.ok
      ? 'helpdesk_owned'
      : result.alreadySolved
        ? 'already_solved'
        : 'solved';
    return c.redirect(withParams(`/app/tickets/${id.data}`, { notice }), 303);
  });
}
