import { getArticle } from '../../../db/queries/kb.js';
import type { Deps } from '../../../deps.js';
import { replaceArticle } from '../../../kb/articles.js';
import { Message } from '../layout.js';
import { ArticleFormPage } from '../pages/kb.js';
import {
  articleForm,
  firstIssue,
  type KbApp,
  storedValues,
  typedValues,
  uuidParam,
} from './shared.js';

const notFound = (user: Parameters<typeof Message>[0]['user']) => (
  <Message title="Article not found" user={user}>
    <p>
      It may have been deleted. <a href="/app/kb">All articles</a>
    </p>
  </Message>
);

/** GET /app/kb/:id/edit: the article in its form; POST: saves it, re-indexed if it changed. */
export function registerEditArticleForm(app: KbApp, deps: Deps) {
  app.get('/app/kb/:id/edit', async (c) => {
    const id = uuidParam.safeParse(c.req.param('id'));
    const article = id.success ? await getArticle(deps.db, id.data) : undefined;
    if (!article) return c.html(notFound(c.get('user')), 404);
    return c.html(
      <ArticleFormPage
        user={c.get('user')}
        values={storedValues(article)}
        error={null}
        article={article}
      />,
    );
  });
  app.post('/app/kb/:id/edit', async (c) => {
    const id = uuidParam.safeParse(c.req.param('id'));
    const article = id.success ? await getArticle(deps.db, id.data) : undefined;
    if (!article) return c.html(notFound(c.get('user')), 404);
    const body = await c.req.parseBody();
    const form = articleForm.safeParse(body);
    if (!form.success) {
      return c.html(
        <ArticleFormPage
          user={c.get('user')}
          values={typedValues(body)}
          error={firstIssue(form.error)}
          article={article}
        />,
        400,
      );
    }
    // Tags and product are not on the form: kept as they are.
    const result = await replaceArticle(deps.db, article.id, {
      ...form.data,
      tags: article.tags,
      product: article.product,
    });
    if (result.outcome === 'not_found') return c.html(notFound(c.get('user')), 404);
    if (result.outcome === 'conflict') return c.text('The article could not be saved', 500);
    const notice = result.outcome === 'unchanged' ? 'unchanged' : 'saved';
    return c.redirect(`/app/kb/${article.id}?notice=${notice}`, 303);
  });
}
