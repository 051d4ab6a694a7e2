import { z } from 'zod';
import { userActor } from '../../../auth/actor.js';
import { getTriage } from '../../../db/queries/triage.js';
import { priorities } from '../../../db/schema/triage.js';
import type { Deps } from '../../../deps.js';
import { correctTriage } from '../../../pipeline/triage/correct.js';
import { type InboxApp, readForm, withParams } from './shared.js';

const triageForm = z.object({
  category: z.string().trim().min(1).max(100),
  // An empty priority is none given.
  priority: z.preprocess((v) => v || undefined, z.enum(priorities).optional()),
});

/**
 * POST /app/tickets/:id/triage: an agent's correction of the category and/or the priority; each
 * becomes a training label of its field's model. A priority change alone leaves the category as it
 * was (the form always sends both).
 */
export function registerCorrectTriageForm(app: InboxApp, deps: Deps) {
  app.post('/app/tickets/:id/triage', async (c) => {
    const posted = await readForm(c, triageForm);
    if (!posted.ok) return posted.invalid;
    const { back, id, input } = posted;
    // Another team's ticket: `correctTriage` answers it exactly like a missing one.
    const triage = await getTriage(deps.db, id);
    const newPriority =
      input.priority !== undefined && input.priority !== triage?.priority
        ? input.priority
        : undefined;
    const categoryUnchanged = input.category === (triage?.correctedCategory ?? triage?.category);
    const result = await correctTriage(deps, {
      ticketId: id,
      ...(newPriority && categoryUnchanged ? {} : { category: input.category }),
      ...(newPriority ? { fields: { priority: newPriority } } : {}),
      actor: userActor(c.get('user')),
    });
    return c.redirect(
      withParams(back, { ticket: id, notice: result.ok ? 'corrected' : 'invalid' }),
      303,
    );
  });
}
