import { createRoute, z } from '@hono/zod-openapi';
import { priorities } from '../../../../db/schema/triage.js';
import type { Deps } from '../../../../deps.js';
import { categoryNameSchema, saveCategory } from '../../../../pipeline/triage/taxonomy.js';
import { requireRole } from '../../../middleware/auth.js';
import { jsonBody, type Router } from '../../../openapi.js';
import { categorySchema } from './schemas.js';

export const route = createRoute({
  method: 'put',
  path: '/api/admin/taxonomy/{name}',
  summary:
    'Create or edit any category — starter, imported from a CSV or created — and switch it on or off (admin). The name is the label as written (URL-encode it: "Technical%20Support"). Examples and active changes schedule a retrain; an inactive category is no longer predicted.',
  security: [{ apiKey: [] }],
  request: {
    params: z.object({
      name: categoryNameSchema.openapi({ param: { name: 'name', in: 'path' } }),
    }),
    body: jsonBody(
      z.object({
        description: z.string().max(2_000).optional(),
        examples: z.array(z.string().trim().min(3).max(2_000)).max(500).optional(),
        defaultPriority: z.enum(priorities).optional(),
        active: z.boolean().optional(),
      }),
    ),
  },
  responses: {
    200: { description: 'Saved', content: { 'application/json': { schema: categorySchema } } },
  },
});

export function registerSaveTaxonomyCategory(app: Router, deps: Deps) {
  app.on('PUT', '/api/admin/taxonomy/:name', requireRole(deps, 'admin'));
  app.openapi(route, async (c) =>
    c.json(await saveCategory(deps, c.req.valid('param').name, c.req.valid('json')), 200),
  );
}
