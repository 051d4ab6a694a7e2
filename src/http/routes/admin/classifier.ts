import { createRoute, z } from '@hono/zod-openapi';
import { enqueueOutbox } from '../../../db/queries/outbox.js';
import { listClassifierModels } from '../../../db/queries/triage.js';
import type { Deps } from '../../../deps.js';
import { requireRole } from '../../middleware/auth.js';
import { createRouter } from '../../openapi.js';

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

const list = createRoute({
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

const retrain = createRoute({
  method: 'post',
  path: '/api/admin/classifier/retrain',
  summary: 'Queue a retrain now (admin); workers pick up the new version within seconds',
  security: [{ apiKey: [] }],
  responses: {
    202: {
      description: 'Queued',
      content: { 'application/json': { schema: z.object({ queued: z.literal(true) }) } },
    },
  },
});

export function classifierRoutes(deps: Deps) {
  const app = createRouter();
  app.on('GET', list.path, requireRole(deps, 'manager'));
  app.on('POST', retrain.path, requireRole(deps, 'admin'));
  app.openapi(list, async (c) => {
    const rows = await listClassifierModels(deps.db);
    return c.json(
      { versions: rows.map((r) => ({ ...r, createdAt: r.createdAt.toISOString() })) },
      200,
    );
  });
  app.openapi(retrain, async (c) => {
    await enqueueOutbox(deps.db, 'retrain', { reason: 'manual' });
    return c.json({ queued: true as const }, 202);
  });
  return app;
}
