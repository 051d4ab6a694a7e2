import { randomUUID } from 'node:crypto';
import { createRoute } from '@hono/zod-openapi';
import { createArticle } from '../../../kb/articles.js';
import { AppError } from '../../errors.js';
import { jsonBody, type Router } from '../../openapi.js';
import type { KbRouteDeps } from './deps.js';
import { articleInputSchema, articleSchema } from './schemas.js';
import { articleView, externalIdTaken, json } from './shared.js';

export const route = createRoute({
  method: 'post',
  path: '/api/kb/articles',
  summary: 'Create an article (indexed in the background)',
  security: [{ apiKey: [] }],
  request: {
    body: jsonBody(articleInputSchema),
  },
  responses: { 201: json(articleSchema, 'Created; `indexed` turns true once kb-index ran') },
});

export function registerCreateArticle(app: Router, deps: KbRouteDeps) {
  app.openapi(route, async (c) => {
    const { gapTicketIds, ...input } = c.req.valid('json');
    const result = await createArticle(
      deps.db,
      { ...input, externalId: input.externalId ?? randomUUID() },
      { gapTicketIds },
    );
    if (result.outcome === 'conflict') externalIdTaken(result.article);
    if (result.outcome === 'not_found') throw new AppError('internal_error', 'Article vanished');
    return c.json(await articleView(deps, result.article), 201);
  });
}
