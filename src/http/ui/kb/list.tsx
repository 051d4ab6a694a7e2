import { z } from 'zod';
import { listArticleSources, listArticleTable } from '../../../db/queries/kb.js';
import type { Deps } from '../../../deps.js';
import { readDb } from '../../read-db.js';
import { noticeFor } from '../layout.js';
import { KbListPage, kbNotices } from '../pages/kb.js';
import type { KbApp } from './shared.js';

const PAGE_SIZE = 50;

const listQuery = z.object({
  q: z.string().trim().max(200).optional().catch(undefined),
  source: z.string().max(500).optional().catch(undefined),
  page: z.coerce.number().int().min(1).max(100_000).catch(1).default(1),
});

/** GET /app/kb: every article, by title; a search of titles and bodies, a source filter, pages. */
export function registerKbListPage(app: KbApp, deps: Deps) {
  app.get('/app/kb', async (c) => {
    const query = listQuery.parse(c.req.query());
    const q = query.q || undefined;
    const source = query.source || undefined;
    // The replica when fresh enough for this user (src/db/replica.ts).
    const db = readDb(c, deps);
    const [{ rows, total }, sources] = await Promise.all([
      listArticleTable(db, {
        q,
        source,
        limit: PAGE_SIZE,
        offset: (query.page - 1) * PAGE_SIZE,
      }),
      listArticleSources(db),
    ]);
    return c.html(
      <KbListPage
        user={c.get('user')}
        query={{ q, source, page: query.page }}
        rows={rows}
        total={total}
        pageSize={PAGE_SIZE}
        sources={sources}
        notice={noticeFor(kbNotices, c.req.query('notice'))}
      />,
    );
  });
}
