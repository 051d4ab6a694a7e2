import { createRoute } from '@hono/zod-openapi';
import { removeArticle } from '../../../kb/articles.js';
import { AppError } from '../../errors.js';
import type { Router } from '../../openapi.js';
import type { KbRouteDeps } from './deps.js';
import { articleIdParams } from './schemas.js';

export const route = createRoute({
  method: 'delete',
  path: '/api/kb/articles/{id}',
  summary: 'Delete an article; it leaves search results at once',
  security: [{ apiKey: [] }],
  request: { params: articleIdParams },
  responses: { 204: { description: 'Deleted' } },
});

export function registerDeleteArticle(app: Router, deps: KbRouteDeps) {
  app.openapi(route, async (c) => {
    if (!(await removeArticle(deps.db, c.req.valid('param').id))) {
      throw new AppError('not_found', 'No such article');
    }
    return c.body(null, 204);
  });
}
