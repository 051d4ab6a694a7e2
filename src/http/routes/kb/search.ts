import { createRoute } from '@hono/zod-openapi';
import { normalizeLanguage } from '../../../kb/language.js';
import { searchKnowledgeBase } from '../../../kb/search.js';
import { querySpelling } from '../../../pipeline/query-spelling.js';
import { jsonBody, type Router } from '../../openapi.js';
import type { KbRouteDeps } from './deps.js';
import { searchRequestSchema, searchResponseSchema, toPassageJson } from './schemas.js';

export const route = createRoute({
  method: 'post',
  path: '/api/kb/search',
  summary: 'Hybrid knowledge-base search (BM25F + vectors); passages ready to cite',
  description:
    "Misspelt English words are read as the knowledge base's words, as drafts read them (KB_SPELLING): `correctedQuery` says what was searched; `spelling: false` searches the query as written.",
  security: [{ apiKey: [] }],
  request: {
    body: jsonBody(searchRequestSchema),
  },
  responses: {
    200: {
      description: 'Passages, best first',
      content: { 'application/json': { schema: searchResponseSchema } },
    },
  },
});

export function registerSearchRoute(app: Router, deps: KbRouteDeps) {
  app.openapi(route, async (c) => {
    const body = c.req.valid('json');
    // A search restricted to another language's articles is not corrected to English words.
    const language = body.filters?.language ? normalizeLanguage(body.filters.language) : undefined;
    const result = await searchKnowledgeBase(
      deps.db,
      {
        query: body.query,
        limit: body.limit,
        mode: body.mode,
        perArticle: body.perArticle,
        filters: body.filters,
      },
      {
        embedders: deps.embedders,
        synonyms: deps.thesaurus,
        spelling: body.spelling ? await querySpelling(deps.config, body.query, language) : null,
      },
    );
    return c.json(
      {
        query: body.query,
        correctedQuery: result.query !== body.query ? result.query : null,
        passages: result.passages.map(toPassageJson),
        model: result.model,
        tookMs: Math.round(result.timings.totalMs * 10) / 10,
      },
      200,
    );
  });
}
