import { createRoute, z } from '@hono/zod-openapi';
import { replaceRoutingRules } from '../../../../db/queries/triage.js';
import type { Deps } from '../../../../deps.js';
import { requireRole } from '../../../middleware/auth.js';
import { jsonBody, type Router } from '../../../openapi.js';
import { ruleInput, ruleSchema, ruleView } from './schemas.js';

export const route = createRoute({
  method: 'put',
  path: '/api/admin/routing-rules',
  summary: 'Replace the ordered rule list (admin); the first matching rule decides',
  security: [{ apiKey: [] }],
  request: {
    body: jsonBody(z.object({ rules: z.array(ruleInput).max(500) })),
  },
  responses: {
    200: {
      description: 'Saved',
      content: { 'application/json': { schema: z.object({ rules: z.array(ruleSchema) }) } },
    },
  },
});

export function registerReplaceRoutingRules(app: Router, deps: Deps) {
  app.on('PUT', route.path, requireRole(deps, 'admin'));
  app.openapi(route, async (c) => {
    const saved = await replaceRoutingRules(deps.db, c.req.valid('json').rules);
    return c.json({ rules: saved.map(ruleView) }, 200);
  });
}
