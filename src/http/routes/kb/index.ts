import type { Deps } from '../../../deps.js';
import { type Thesaurus, thesaurusFor } from '../../../kb/synonyms.js';
import { HashedEmbedder } from '../../../models/embedder/hashed.js';
import type { Embedder } from '../../../models/embedder/types.js';
import { requireRole } from '../../middleware/auth.js';
import { mountOperations } from '../../mount.js';
import { createRouter } from '../../openapi.js';
import { registerAnsweredQuestions } from './answered-questions.js';
import { registerCreateArticle } from './create-article.js';
import { registerDeleteArticle } from './delete-article.js';
import type { KbRouteDeps } from './deps.js';
import { registerGetArticle } from './get-article.js';
import { registerListArticles } from './list-articles.js';
import { registerReplaceArticle } from './replace-article.js';
import { registerSearchRoute } from './search.js';

/**
 * /api/kb: article CRUD (managers write, agents read) and search (agents), one file per
 * operation, each exporting its OpenAPI `route` and a `register…(app, deps)`. Without configured
 * embedders the built-in hashed embedder (the zero-download default) embeds queries; without a
 * thesaurus setting, queries are expanded with WordNet (the `KB_SYNONYMS` default).
 */
export function kbRoutes(
  deps: Pick<Deps, 'db' | 'apiKeys' | 'now' | 'config'> & {
    embedders?: readonly Embedder[];
    thesaurus?: Thesaurus | null;
  },
) {
  const routeDeps: KbRouteDeps = {
    ...deps,
    embedders: deps.embedders?.length ? deps.embedders : [new HashedEmbedder()],
    thesaurus: deps.thesaurus === undefined ? thesaurusFor('wordnet') : deps.thesaurus,
  };
  const app = createRouter();
  app.use('/api/kb/*', async (c, next) => {
    const write = c.req.method !== 'GET' && !c.req.path.startsWith('/api/kb/search');
    // Answered questions are customers' words (from any team's tickets): managers only.
    const manager = write || c.req.path.endsWith('/answered-questions');
    return requireRole(deps, manager ? 'manager' : 'agent')(c, next);
  });
  return mountOperations(app, routeDeps, {
    operations: [
      registerListArticles,
      registerGetArticle,
      registerCreateArticle,
      registerReplaceArticle,
      registerDeleteArticle,
      registerAnsweredQuestions,
      registerSearchRoute,
    ],
  });
}
