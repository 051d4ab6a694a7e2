import { z } from 'zod';
import { latestDraftForTicket } from '../../../db/queries/drafts.js';
import { listArticleSources } from '../../../db/queries/kb.js';
import { getTicket } from '../../../db/queries/tickets.js';
import { getTriage } from '../../../db/queries/triage.js';
import { TestTicketPage } from '../pages/setup.js';
import type { SetupApp, SetupDeps } from './shared.js';

async function countArticles(deps: SetupDeps) {
  return (await listArticleSources(deps.db)).reduce((sum, s) => sum + s.articles, 0);
}

/** GET /app/welcome/test-ticket/:id: the test ticket being triaged and drafted. */
export function registerTestTicketPage(app: SetupApp, deps: SetupDeps) {
  app.get('/app/welcome/test-ticket/:id', async (c) => {
    const id = c.req.param('id');
    if (!z.uuid().safeParse(id).success) return c.notFound();
    const ticket = await getTicket(deps.db, id);
    if (!ticket) return c.notFound();
    const triage = await getTriage(deps.db, id);
    const draft = await latestDraftForTicket(deps.db, id);
    const kbArticles = draft?.kind === 'no_answer' ? await countArticles(deps) : 0;
    return c.html(
      <TestTicketPage
        user={c.get('user')}
        ticket={{ id, subject: ticket.subject }}
        triage={
          triage
            ? {
                category: triage.category,
                priority: triage.priority,
                team: triage.team,
                shouldDraft: triage.shouldDraft,
              }
            : null
        }
        draft={
          draft
            ? {
                id: draft.id,
                kind: draft.kind,
                status: draft.status,
                text: draft.bodyText,
                reason: draft.reason,
              }
            : null
        }
        kbArticles={kbArticles}
      />,
    );
  });
}
