import { randomUUID } from 'node:crypto';
import { Hono } from 'hono';
import { z } from 'zod';
import { listGapTicketSubjects } from '../../db/queries/kb-gap-links.js';
import type { Deps } from '../../deps.js';
import { createArticle } from '../../kb/articles.js';
import { knowledgeGaps } from '../../kb/gaps.js';
import { toCsv } from '../../metrics/index.js';
import { readDb } from '../read-db.js';
import { createFreshness } from '../routes/metrics/shared.js';
import {
  type CsvSection,
  csvSections,
  dashboardCsv,
  loadDashboard,
  localDay,
  parseDashboardQuery,
} from './dashboard-data.js';
import { DashboardPage } from './pages/dashboard.js';
import { GapArticlePage } from './pages/gap-article.js';
import { requireUser, type UiEnv } from './session.js';

/** Ticket ids of a gap topic, as the panel's form sends them (comma-separated). */
const gapTicketIds = z
  .string()
  .default('')
  .transform((s) =>
    s
      .split(',')
      .map((id) => id.trim())
      .filter(Boolean),
  )
  .pipe(z.array(z.uuid()).max(1_000));

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

/**
 * The manager dashboard (/app/dashboard) and its CSV exports (/app/dashboard/<section>.csv),
 * which take the same GET parameters, so a download always matches what is on screen.
 */
export function dashboardPages(deps: Deps) {
  const app = new Hono<UiEnv>();
  // Like the API: bring the facts table up to date before reading, at most every 15 s.
  const fresh = createFreshness(deps);
  const manager = requireUser(deps, 'manager');
  app.use('/app/dashboard', manager);
  app.use('/app/dashboard/*', manager);

  app.get('/app/dashboard', async (c) => {
    const { params, error } = parseDashboardQuery(
      c.req.query(),
      localDay(deps.now(), deps.config.TIME_ZONE),
    );
    // The replica once it has replayed the refresh (and this manager's last write).
    const db = readDb(c, deps, await fresh());
    const data = await loadDashboard({ db, config: deps.config }, params);
    const gaps = await knowledgeGaps(db, { sinceMs: 30 * 86_400_000, now: deps.now() });
    return c.html(
      <DashboardPage
        user={c.get('user')}
        data={data}
        error={error}
        gaps={{ topics: gaps.topics, days: 30 }}
      />,
    );
  });

  // Writing an article from a gap: the form, then the article linked to the gap's tickets.
  app.get('/app/dashboard/gap-article', async (c) => {
    const ids = gapTicketIds.safeParse(c.req.query('tickets'));
    const tickets = ids.success ? await listGapTicketSubjects(deps.db, ids.data) : [];
    return c.html(
      <GapArticlePage
        user={c.get('user')}
        title={c.req.query('title')?.slice(0, 1_000) ?? ''}
        tickets={tickets}
        error={ids.success ? null : 'The link named no valid tickets.'}
      />,
    );
  });

  app.post('/app/dashboard/gap-article', async (c) => {
    const form = gapArticleForm.safeParse(await c.req.parseBody());
    if (!form.success) {
      const ids = gapTicketIds.safeParse((await c.req.parseBody()).tickets);
      const tickets = ids.success ? await listGapTicketSubjects(deps.db, ids.data) : [];
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

  app.get('/app/dashboard/:file{[a-z-]+\\.csv}', async (c) => {
    const section = c.req.param('file').replace(/\.csv$/, '') as CsvSection;
    if (!csvSections.includes(section)) return c.text('Not found', 404);
    const { params } = parseDashboardQuery(
      c.req.query(),
      localDay(deps.now(), deps.config.TIME_ZONE),
    );
    const db = readDb(c, deps, await fresh());
    const { rows, columns, name } = await dashboardCsv(
      { db, config: deps.config },
      params,
      section,
    );
    c.header('Content-Type', 'text/csv; charset=utf-8');
    c.header('Content-Disposition', `attachment; filename="${name}.csv"`);
    return c.body(toCsv(rows, columns));
  });
  return app;
}
