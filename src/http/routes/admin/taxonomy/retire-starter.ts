import { createRoute, z } from '@hono/zod-openapi';
import type { Deps } from '../../../../deps.js';
import { retireUnusedStarterCategories } from '../../../../pipeline/triage/taxonomy.js';
import { requireRole } from '../../../middleware/auth.js';
import type { Router } from '../../../openapi.js';

export const route = createRoute({
  method: 'post',
  path: '/api/admin/taxonomy/retire-starter',
  summary:
    'Deactivate the starter categories your own labelled data does not use, and retrain without them (admin)',
  security: [{ apiKey: [] }],
  responses: {
    202: {
      description: 'Retired; a retrain is queued',
      content: {
        'application/json': {
          schema: z.object({ retired: z.array(z.string()), retrainQueued: z.boolean() }),
        },
      },
    },
  },
});

export function registerRetireStarterCategories(app: Router, deps: Deps) {
  app.on('POST', route.path, requireRole(deps, 'admin'));
  app.openapi(route, async (c) => {
    const retired = await retireUnusedStarterCategories(deps);
    return c.json({ retired, retrainQueued: retired.length > 0 }, 202);
  });
}
