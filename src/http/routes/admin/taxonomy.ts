import { createRoute, z } from '@hono/zod-openapi';
import { listCategories, upsertCategory } from '../../../db/queries/triage.js';
import { priorities } from '../../../db/schema/triage.js';
import type { Deps } from '../../../deps.js';
import { requireRole } from '../../middleware/auth.js';
import { createRouter } from '../../openapi.js';

const categorySchema = z
  .object({
    name: z.string(),
    description: z.string(),
    examples: z.array(z.string()),
    defaultPriority: z.enum(priorities),
    active: z.boolean(),
  })
  .openapi('TaxonomyCategory');

const list = createRoute({
  method: 'get',
  path: '/api/admin/taxonomy',
  summary: 'List taxonomy categories (manager)',
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

const put = createRoute({
  method: 'put',
  path: '/api/admin/taxonomy/{name}',
  summary:
    'Create or update a category (admin). Examples become training data at the next retrain.',
  security: [{ apiKey: [] }],
  request: {
    params: z.object({
      name: z.string().regex(/^[a-z0-9_-]{1,60}$/, 'lowercase letters, digits, _ and -'),
    }),
    body: {
      content: {
        'application/json': {
          schema: z.object({
            description: z.string().max(2_000).optional(),
            examples: z.array(z.string().min(3).max(2_000)).max(500).optional(),
            defaultPriority: z.enum(priorities).optional(),
            active: z.boolean().optional(),
          }),
        },
      },
      required: true,
    },
  },
  responses: {
    200: { description: 'Saved', content: { 'application/json': { schema: categorySchema } } },
  },
});

export function taxonomyRoutes(deps: Deps) {
  const app = createRouter();
  app.on('GET', list.path, requireRole(deps, 'manager'));
  app.on('PUT', '/api/admin/taxonomy/:name', requireRole(deps, 'admin'));
  app.openapi(list, async (c) => {
    const rows = await listCategories(deps.db);
    return c.json(
      {
        categories: rows.map(({ name, description, examples, defaultPriority, active }) => ({
          name,
          description,
          examples,
          defaultPriority,
          active,
        })),
      },
      200,
    );
  });
  app.openapi(put, async (c) => {
    const { name } = c.req.valid('param');
    const row = await upsertCategory(deps.db, { name, ...c.req.valid('json') });
    return c.json(
      {
        name: row.name,
        description: row.description,
        examples: row.examples,
        defaultPriority: row.defaultPriority,
        active: row.active,
      },
      200,
    );
  });
  return app;
}
