import { createRoute } from '@hono/zod-openapi';
import { searchKnowledgeBase } from '../../../kb/search.js';
import { jsonBody, type Router } from '../../openapi.js';
import type { KbRouteDeps } from './deps.js';
import { searchRequestSchema, searchResponseSchema, toPassageJson } from './schemas.js';

export const route = createRoute({
  method: 'post',
  path: '/api/kb/search',
  summary: 'Hybrid knowledge-base search (BM25F + vectors); passages ready to cite',
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
    const result = await searchKnowledgeBase(
      deps.db,
      {
        query: body.query,
        limit: body.limit,
        mode: body.mode,
        perArticle: body.perArticle,
        filters: body.filters,
      },
      { embedders: deps.embedders, synonyms: deps.thesaurus },
    );
    return c.json(
      {
        passages: result.passages.map(toPassageJson),
        model: result.model,
        tookMs: Math.round(result.timings.totalMs * 10) / 10,
      },
      200,
    );
  });
}
