import { createRoute, z } from '@hono/zod-openapi';
import { listArticles } from '../../../db/queries/kb.js';
import type { Router } from '../../openapi.js';
import type { KbRouteDeps } from './deps.js';
import { articleSchema, toArticleJson } from './schemas.js';
import { json } from './shared.js';

export const route = createRoute({
  method: 'get',
  path: '/api/kb/articles',
  summary: 'List knowledge-base articles',
  security: [{ apiKey: [] }],
  request: {
    query: z.object({
      limit: z.coerce.number().int().min(1).max(200).default(50),
      after: z
        .uuid()
        .optional()
        .openapi({ description: 'Cursor: the last id of the previous page' }),
      source: z.string().optional(),
    }),
  },
  responses: {
    200: json(
      z.object({ articles: z.array(articleSchema), nextCursor: z.string().nullable() }),
      'A page of articles, ordered by id',
    ),
  },
});

export function registerListArticles(app: Router, deps: KbRouteDeps) {
  app.openapi(route, async (c) => {
    const { limit, after, source } = c.req.valid('query');
    const rows = await listArticles(deps.db, { limit: limit + 1, after, source });
    const page = rows.slice(0, limit);
    return c.json(
      {
        articles: page.map(toArticleJson),
        nextCursor: rows.length > limit ? (page[page.length - 1]?.id ?? null) : null,
      },
      200,
    );
  });
}
