import { randomUUID } from 'node:crypto';
import type { Deps } from '../../../deps.js';
import { createArticle } from '../../../kb/articles.js';
import { ArticleFormPage } from '../pages/kb.js';
import { articleForm, firstIssue, type KbApp, typedValues } from './shared.js';

/** GET /app/kb/new: the empty article form; POST: creates it (indexed in the background). */
export function registerNewArticleForm(app: KbApp, deps: Deps) {
  app.get('/app/kb/new', (c) =>
    c.html(
      <ArticleFormPage
        user={c.get('user')}
        values={{ title: '', body: '', url: '', language: 'en', format: 'markdown' }}
        error={null}
      />,
    ),
  );
  app.post('/app/kb/new', async (c) => {
    const body = await c.req.parseBody();
    const form = articleForm.safeParse(body);
    if (!form.success) {
      return c.html(
        <ArticleFormPage
          user={c.get('user')}
          values={typedValues(body)}
          error={firstIssue(form.error)}
        />,
        400,
      );
    }
    const result = await createArticle(deps.db, {
      ...form.data,
      externalId: randomUUID(),
      tags: [],
    });
    if (result.outcome !== 'created') return c.text('The article could not be created', 500);
    return c.redirect(`/app/kb/${result.article.id}?notice=created`, 303);
  });
}
