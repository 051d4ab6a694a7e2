import { z } from 'zod';
import { userActor } from '../../../auth/actor.js';
import { actorLabel, actorNames } from '../../../auth/actor-names.js';
import { getDraftInScope } from '../../../auth/team-scope.js';
import type { Deps } from '../../../deps.js';
import { saveDraftText } from '../../../pipeline/review/save.js';
import { renderInbox } from './page.js';
import { type InboxApp, readForm, withParams } from './shared.js';

const saveForm = z.object({
  text: z
    .string()
    .transform((t) => t.replace(/\r\n?/g, '\n').trim())
    .pipe(z.string().min(1).max(20_000)),
  // Required: a save without the version it was made from could overwrite anything.
  lockVersion: z.coerce.number().int().min(0),
});

const at = (d: Date | null) => (d ? `${d.toISOString().slice(11, 16)} UTC` : 'a moment ago');

/**
 * POST /app/drafts/:id/save: keeps an edit without sending it. Saving over a newer version
 * (another agent saved, approved or regenerated since this page loaded) is refused: the page
 * comes back with who changed it and the agent's own text beside it, never overwritten.
 */
export function registerSaveForm(app: InboxApp, deps: Deps) {
  app.post('/app/drafts/:id/save', async (c) => {
    const posted = await readForm(c, saveForm);
    if (!posted.ok) return posted.invalid;
    const { back, id, input } = posted;
    const draft = await getDraftInScope(deps.db, c.get('user'), id);
    if (!draft) return c.redirect(withParams(back, { notice: 'missing' }), 303);
    const result = await saveDraftText(deps, {
      draftId: draft.id,
      actor: userActor(c.get('user')),
      lockVersion: input.lockVersion,
      text: input.text,
    });
    if (result.ok) {
      return c.redirect(withParams(back, { ticket: draft.ticketId, notice: 'saved' }), 303);
    }
    if (result.reason !== 'stale') {
      return c.redirect(withParams(back, { ticket: draft.ticketId, notice: 'decided' }), 303);
    }
    const newer = result.draft;
    const savedBy = newer.savedBy !== c.get('user').email ? newer.savedBy : null;
    const who = savedBy
      ? `${actorLabel(savedBy, await actorNames(deps.db, [savedBy]))} saved a newer version at ${at(newer.savedAt)}`
      : 'The draft changed since you opened it';
    const query = Object.fromEntries(new URL(back, 'http://x').searchParams);
    return renderInbox(c, deps, {
      status: 409,
      query: { ...query, ticket: draft.ticketId },
      notice: {
        kind: 'error',
        text: `Not saved: ${who}. Nothing was overwritten — your text is kept below; compare it with theirs and save again.`,
      },
      unsaved: { draftId: draft.id, text: input.text },
    });
  });
}
