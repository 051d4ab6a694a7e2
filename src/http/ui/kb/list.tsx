import type { Context } from 'hono';
import { z } from 'zod';
import type { Db } from '../../../db/client.js';
import { listArticleSources, listArticleTable } from '../../../db/queries/kb.js';
import type { Deps } from '../../../deps.js';
import { readDb } from '../../read-db.js';
import { noticeFor, type PageNotice } from '../layout.js';
import { KbListPage, type KbListQuery, kbNotices } from '../pages/kb.js';
import type { UiEnv } from '../session.js';
import type { KbApp } from './shared.js';

const PAGE_SIZE = 50;

const listQuery = z.object({
  q: z.string().trim().max(200).optional().catch(undefined),
  source: z.string().max(500).optional().catch(undefined),
  page: z.coerce.number().int().min(1).max(100_000).catch(1).default(1),
});

/** The list page for `query`, read from `db`, with a notice (a form's outcome) if any. */
export async function renderKbList(
  c: Context<UiEnv>,
  db: Db,
  query: KbListQuery,
  notice: PageNotice | null,
  status: 200 | 400 = 200,
) {
  const [{ rows, total }, sources] = await Promise.all([
    listArticleTable(db, {
      q: query.q,
      source: query.source,
      limit: PAGE_SIZE,
      offset: (query.page - 1) * PAGE_SIZE,
    }),
    listArticleSources(db),
  ]);
  return c.html(
    <KbListPage
      user={c.get('user')}
      query={query}
      rows={rows}
      total={total}
      pageSize={PAGE_SIZE}
      sources={sources}
      notice={notice}
    />,
    status,
  );
}

/** GET /app/kb: every article, by title; a search of titles and bodies, a source filter, pages. */
export function registerKbListPage(app: KbApp, deps: Deps) {
  app.get('/app/kb', (c) => {
    const query = listQuery.parse(c.req.query());
    // The replica when fresh enough for this user (src/db/replica.ts).
    return renderKbList(
      c,
      readDb(c, deps),
      { q: query.q || undefined, source: query.source || undefined, page: query.page },
      noticeFor(kbNotices, c.req.query('notice')),
    );
  });
}
