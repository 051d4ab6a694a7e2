import { createRoute } from '@hono/zod-openapi';
import { replaceArticle } from '../../../kb/articles.js';
import { AppError } from '../../errors.js';
import { jsonBody, type Router } from '../../openapi.js';
import type { KbRouteDeps } from './deps.js';
import { articleIdParams, articleInputSchema, articleSchema } from './schemas.js';
import { articleView, externalIdTaken, json } from './shared.js';

export const route = createRoute({
  method: 'put',
  path: '/api/kb/articles/{id}',
  summary: 'Replace an article; re-indexed only if its content changed',
  security: [{ apiKey: [] }],
  request: {
    params: articleIdParams,
    body: jsonBody(articleInputSchema),
  },
  responses: { 200: json(articleSchema, 'The stored article') },
});

export function registerReplaceArticle(app: Router, deps: KbRouteDeps) {
  app.openapi(route, async (c) => {
    const { gapTicketIds, ...input } = c.req.valid('json');
    const result = await replaceArticle(deps.db, c.req.valid('param').id, input, { gapTicketIds });
    if (result.outcome === 'not_found') throw new AppError('not_found', 'No such article');
    if (result.outcome === 'conflict') externalIdTaken(result.article);
    return c.json(await articleView(deps, result.article), 200);
  });
}
