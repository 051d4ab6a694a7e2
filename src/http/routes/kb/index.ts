import type { Deps } from '../../../deps.js';
import { type Thesaurus, thesaurusFor } from '../../../kb/synonyms.js';
import { HashedEmbedder } from '../../../models/embedder/hashed.js';
import type { Embedder } from '../../../models/embedder/types.js';
import { requireRole } from '../../middleware/auth.js';
import { createRouter } from '../../openapi.js';
import { registerArticleRoutes } from './articles.js';
import type { KbRouteDeps } from './deps.js';
import { registerSearchRoute } from './search.js';

/**
 * /api/kb: article CRUD (managers write, agents read) and search (agents). Without configured
 * embedders the built-in hashed embedder (the zero-download default) embeds queries; without a
 * thesaurus setting, queries are expanded with WordNet (the `KB_SYNONYMS` default).
 */
export function kbRoutes(
  deps: Pick<Deps, 'db' | 'apiKeys' | 'now'> & {
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
    return requireRole(deps, write ? 'manager' : 'agent')(c, next);
  });
  registerArticleRoutes(app, routeDeps);
  registerSearchRoute(app, routeDeps);
  return app;
}
