import type { Deps } from '../../../deps.js';
import { removeArticle } from '../../../kb/articles.js';
import { type KbApp, uuidParam } from './shared.js';

/** POST /app/kb/:id/delete: the article leaves search (and future drafts) at once. */
export function registerDeleteArticleForm(app: KbApp, deps: Deps) {
  app.post('/app/kb/:id/delete', async (c) => {
    const id = uuidParam.safeParse(c.req.param('id'));
    const removed = id.success ? await removeArticle(deps.db, id.data) : false;
    return c.redirect(`/app/kb?notice=${removed ? 'deleted' : 'already_deleted'}`, 303);
  });
}
