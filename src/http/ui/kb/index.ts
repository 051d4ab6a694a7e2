import { Hono } from 'hono';
import type { Deps } from '../../../deps.js';
import { mountOperations } from '../../mount.js';
import { requireUser, type UiEnv } from '../session.js';
import { registerArticlePage } from './article.js';
import { registerDeleteArticleForm } from './delete.js';
import { registerEditArticleForm } from './edit.js';
import { registerForgetAnsweredForm } from './forget.js';
import { registerKbImportForm } from './import.js';
import { registerKbListPage } from './list.js';
import { registerNewArticleForm } from './new.js';

/** The paths that write the knowledge base: managers and admins only, as on the API. */
const writes = (path: string) =>
  path === '/app/kb/new' || path === '/app/kb/import' || /\/(edit|delete|forget)$/.test(path);

/**
 * The knowledge base (/app/kb): agents read the list and the articles drafts cite; managers write,
 * edit, delete and import them. One file per page or form post, each exporting a
 * `register…(app, deps)`.
 */
export function kbPages(deps: Deps) {
  const app = new Hono<UiEnv>();
  const agent = requireUser(deps, 'agent');
  const manager = requireUser(deps, 'manager');
  app.use('/app/kb', agent);
  app.use('/app/kb/*', (c, next) => (writes(c.req.path) ? manager : agent)(c, next));
  return mountOperations(app, deps, {
    // The form pages before the article page, whose `:id` would take "new".
    operations: [
      registerKbListPage,
      registerNewArticleForm,
      registerKbImportForm,
      registerEditArticleForm,
      registerDeleteArticleForm,
      registerForgetAnsweredForm,
      registerArticlePage,
    ],
  });
}
