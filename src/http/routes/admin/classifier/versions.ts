import { createRoute, z } from '@hono/zod-openapi';
import { listClassifierModels } from '../../../../db/queries/triage.js';
import type { Deps } from '../../../../deps.js';
import { requireRole } from '../../../middleware/auth.js';
import type { Router } from '../../../openapi.js';

const versionSchema = z
  .object({
    version: z.number(),
    algorithm: z.string(),
    featureVersion: z.string(),
    labels: z.array(z.string()),
    trainedOn: z.number(),
    metrics: z.record(z.string(), z.unknown()),
    active: z.boolean(),
    createdAt: z.string(),
  })
  .openapi('ClassifierVersion');

export const route = createRoute({
  method: 'get',
  path: '/api/admin/classifier/versions',
  summary: 'Trained classifier versions with their held-out evaluation (manager)',
  security: [{ apiKey: [] }],
  responses: {
    200: {
      description: 'Newest first',
      content: { 'application/json': { schema: z.object({ versions: z.array(versionSchema) }) } },
    },
  },
});

export function registerListClassifierVersions(app: Router, deps: Deps) {
  app.on('GET', route.path, requireRole(deps, 'manager'));
  app.openapi(route, async (c) => {
    const rows = await listClassifierModels(deps.db);
    return c.json(
      { versions: rows.map((r) => ({ ...r, createdAt: r.createdAt.toISOString() })) },
      200,
    );
  });
}
