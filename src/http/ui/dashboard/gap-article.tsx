import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { createArticle } from '../../../kb/articles.js';
import { GapArticlePage } from '../pages/gap-article.js';
import { type DashboardApp, type DashboardDeps, gapTicketIds, gapTickets } from './shared.js';

const gapArticleForm = z.object({
  tickets: gapTicketIds,
  title: z.string().trim().min(1).max(1_000),
  body: z.string().trim().min(1).max(1_000_000),
  url: z
    .string()
    .trim()
    .max(2_000)
    .transform((u) => u || null)
    .pipe(z.url({ protocol: /^https?$/ }).nullable())
    .default(null),
  language: z
    .string()
    .trim()
    .regex(/^[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8})?$/)
    .default('en'),
});

/** POST /app/dashboard/gap-article: the article, linked to the gap's tickets, then its page. */
export function registerGapArticleForm(app: DashboardApp, deps: DashboardDeps) {
  app.post('/app/dashboard/gap-article', async (c) => {
    const form = gapArticleForm.safeParse(await c.req.parseBody());
    if (!form.success) {
      const { tickets } = await gapTickets(deps, (await c.req.parseBody()).tickets);
      return c.html(
        <GapArticlePage
          user={c.get('user')}
          title=""
          tickets={tickets}
          error="The article needs a title and a body (and the URL, if given, must be http(s))."
        />,
        400,
      );
    }
    const { tickets, ...article } = form.data;
    const result = await createArticle(
      deps.db,
      { ...article, externalId: randomUUID(), format: 'markdown', tags: [] },
      { gapTicketIds: tickets },
    );
    if (result.outcome === 'not_found') return c.text('Article vanished', 500);
    return c.redirect(`/app/kb/${result.article.id}`, 303);
  });
}
