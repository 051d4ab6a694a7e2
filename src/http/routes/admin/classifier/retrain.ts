import { createRoute, z } from '@hono/zod-openapi';
import { enqueueOutbox } from '../../../../db/queries/outbox.js';
import type { Deps } from '../../../../deps.js';
import { requireRole } from '../../../middleware/auth.js';
import type { Router } from '../../../openapi.js';

export const route = createRoute({
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

export function registerRetrainClassifier(app: Router, deps: Deps) {
  app.on('POST', route.path, requireRole(deps, 'admin'));
  app.openapi(route, async (c) => {
    await enqueueOutbox(deps.db, 'retrain', { reason: 'manual' });
    return c.json({ queued: true as const }, 202);
  });
}
