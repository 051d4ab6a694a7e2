import { z } from 'zod';
import { userActor } from '../../../auth/actor.js';
import { getTriage } from '../../../db/queries/triage.js';
import { priorities } from '../../../db/schema/triage.js';
import type { Deps } from '../../../deps.js';
import { correctTriage } from '../../../pipeline/triage/correct.js';
import { backOf, form, type InboxApp, uuidParam, withParams } from './shared.js';

/**
 * POST /app/tickets/:id/triage: an agent's correction of the category and/or the priority; each
 * becomes a training label of its field's model. A priority change alone leaves the category as it
 * was (the form always sends both).
 */
export function registerCorrectTriageForm(app: InboxApp, deps: Deps) {
  app.post('/app/tickets/:id/triage', async (c) => {
    const body = await form(c);
    const back = backOf(body);
    const id = uuidParam.safeParse(c.req.param('id'));
    const category = z.string().trim().min(1).max(100).safeParse(body.category);
    const priority = z
      .enum(priorities)
      .optional()
      .safeParse(body.priority || undefined);
    if (!id.success || !category.success || !priority.success) {
      return c.redirect(withParams(back, { notice: 'invalid' }), 303);
    }
    // Another team's ticket: `correctTriage` answers it exactly like a missing one.
    const triage = await getTriage(deps.db, id.data);
    const newPriority =
      priority.data !== undefined && priority.data !== triage?.priority ? priority.data : undefined;
    const categoryUnchanged = category.data === (triage?.correctedCategory ?? triage?.category);
    const result = await correctTriage(deps, {
      ticketId: id.data,
      ...(newPriority && categoryUnchanged ? {} : { category: category.data }),
      ...(newPriority ? { fields: { priority: newPriority } } : {}),
      actor: userActor(c.get('user')),
    });
    return c.redirect(
      withParams(back, { ticket: id.data, notice: result.ok ? 'corrected' : 'invalid' }),
      303,
    );
  });
}
