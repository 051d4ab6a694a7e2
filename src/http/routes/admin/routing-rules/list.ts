import { createRoute, z } from '@hono/zod-openapi';
import { listRoutingRules } from '../../../../db/queries/triage.js';
import type { Deps } from '../../../../deps.js';
import { requireRole } from '../../../middleware/auth.js';
import type { Router } from '../../../openapi.js';
import { ruleSchema, ruleView } from './schemas.js';

export const route = createRoute({
  method: 'get',
  path: '/api/admin/routing-rules',
  summary: 'Ordered routing rules (manager)',
  security: [{ apiKey: [] }],
  responses: {
    200: {
      description: 'Rules in evaluation order',
      content: { 'application/json': { schema: z.object({ rules: z.array(ruleSchema) }) } },
    },
  },
});

export function registerListRoutingRules(app: Router, deps: Deps) {
  app.on('GET', route.path, requireRole(deps, 'manager'));
  app.openapi(route, async (c) =>
    c.json({ rules: (await listRoutingRules(deps.db)).map(ruleView) }, 200),
  );
}
