import { createRoute, z } from '@hono/zod-openapi';
import type { Deps } from '../../../../deps.js';
import { listTaxonomy } from '../../../../pipeline/triage/taxonomy.js';
import { requireRole } from '../../../middleware/auth.js';
import type { Router } from '../../../openapi.js';
import { categorySchema } from './schemas.js';

export const route = createRoute({
  method: 'get',
  path: '/api/admin/taxonomy',
  summary: 'List every taxonomy category, active or not, with where it came from (manager)',
  security: [{ apiKey: [] }],
  responses: {
    200: {
      description: 'Categories',
      content: {
        'application/json': { schema: z.object({ categories: z.array(categorySchema) }) },
      },
    },
  },
});

export function registerListTaxonomy(app: Router, deps: Deps) {
  app.on('GET', route.path, requireRole(deps, 'manager'));
  app.openapi(route, async (c) => c.json({ categories: await listTaxonomy(deps) }, 200));
}
