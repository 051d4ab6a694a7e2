import { z } from 'zod';
import { canAccessTicket } from '../../../auth/team-scope.js';
import type { Deps } from '../../../deps.js';
import { correctTriage } from '../../../pipeline/triage/correct.js';
import { backOf, form, type InboxApp, uuidParam, withParams } from './shared.js';

/** POST /app/tickets/:id/triage: an agent's category correction (a training label). */
export function registerCorrectTriageForm(app: InboxApp, deps: Deps) {
  app.post('/app/tickets/:id/triage', async (c) => {
    const body = await form(c);
    const back = backOf(body);
    const id = uuidParam.safeParse(c.req.param('id'));
    const category = z.string().trim().min(1).max(100).safeParse(body.category);
    if (!id.success || !category.success) {
      return c.redirect(withParams(back, { notice: 'invalid' }), 303);
    }
    // Another team's ticket is treated exactly like a missing one.
    const result = (await canAccessTicket(deps.db, c.get('user'), id.data))
      ? await correctTriage(deps, {
          ticketId: id.data,
          category: category.data,
          actorId: c.get('user').email,
        })
      : ({ ok: false, reason: 'ticket_not_found' } as const);
    return c.redirect(
      withParams(back, { ticket: id.data, notice: result.ok ? 'corrected' : 'invalid' }),
      303,
    );
  });
}
