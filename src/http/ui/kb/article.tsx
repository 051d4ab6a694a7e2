import { actorLabelOrNull, actorNames } from '../../../auth/actor-names.js';
import { getArticle, listArticleChunks } from '../../../db/queries/kb.js';
import { listAnsweredQuestions } from '../../../db/queries/kb-answered-questions.js';
import { listArticleGapTickets } from '../../../db/queries/kb-gap-links.js';
import type { Deps } from '../../../deps.js';
import { Message, noticeFor } from '../layout.js';
import { ArticlePage } from '../pages/article.js';
import { kbNotices } from '../pages/kb.js';
import { type KbApp, uuidParam } from './shared.js';

/** GET /app/kb/:id: a knowledge-base article as the draft's citations link to it (chunk anchors). */
export function registerArticlePage(app: KbApp, deps: Deps) {
  app.get('/app/kb/:id', async (c) => {
    const id = uuidParam.safeParse(c.req.param('id'));
    const article = id.success ? await getArticle(deps.db, id.data) : undefined;
    if (!article) {
      return c.html(
        <Message title="Article not found" user={c.get('user')}>
          <p>It may have been deleted since the draft was written.</p>
        </Message>,
        404,
      );
    }
    const chunks = await listArticleChunks(deps.db, article.id);
    const gapTickets = await listArticleGapTickets(deps.db, article.id);
    const listed = await listAnsweredQuestions(deps.db, article.id);
    // Approvers as people know them: an API key by its name, a user by theirs.
    const names = await actorNames(
      deps.db,
      listed.rows.map((r) => r.approvedBy),
    );
    const answered = {
      ...listed,
      rows: listed.rows.map((r) => ({ ...r, approvedBy: actorLabelOrNull(r.approvedBy, names) })),
    };
    return c.html(
      <ArticlePage
        user={c.get('user')}
        article={article}
        chunks={chunks}
        gapTickets={gapTickets}
        answered={answered}
        notice={noticeFor(kbNotices, c.req.query('notice'))}
      />,
    );
  });
}
