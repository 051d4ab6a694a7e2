import { createRoute } from '@hono/zod-openapi';
import { getArticle } from '../../../db/queries/kb.js';
import { AppError } from '../../errors.js';
import type { Router } from '../../openapi.js';
import type { KbRouteDeps } from './deps.js';
import { articleIdParams, articleSchema } from './schemas.js';
import { articleView, json } from './shared.js';

export const route = createRoute({
  method: 'get',
  path: '/api/kb/articles/{id}',
  summary: 'Get one article',
  security: [{ apiKey: [] }],
  request: { params: articleIdParams },
  responses: { 200: json(articleSchema, 'The article') },
});

export function registerGetArticle(app: Router, deps: KbRouteDeps) {
  app.openapi(route, async (c) => {
    const article = await getArticle(deps.db, c.req.valid('param').id);
    if (!article) throw new AppError('not_found', 'No such article');
    return c.json(await articleView(deps, article), 200);
  });
}
