import { GapArticlePage } from '../pages/gap-article.js';
import { type DashboardApp, type DashboardDeps, gapTickets } from './shared.js';

/** GET /app/dashboard/gap-article: the form for an article that fills a knowledge gap. */
export function registerGapArticlePage(app: DashboardApp, deps: DashboardDeps) {
  app.get('/app/dashboard/gap-article', async (c) => {
    const { valid, tickets } = await gapTickets(deps, c.req.query('tickets'));
    return c.html(
      <GapArticlePage
        user={c.get('user')}
        title={c.req.query('title')?.slice(0, 1_000) ?? ''}
        tickets={tickets}
        error={valid ? null : 'The link named no valid tickets.'}
      />,
    );
  });
}
