import { createRoute, z } from '@hono/zod-openapi';
import { listRoutingRules, replaceRoutingRules } from '../../../db/queries/triage.js';
import { priorities, sentiments } from '../../../db/schema/triage.js';
import type { Deps } from '../../../deps.js';
import { requireRole } from '../../middleware/auth.js';
import { createRouter } from '../../openapi.js';

const conditions = z
  .object({
    category: z.array(z.string()).optional(),
    priority: z.array(z.enum(priorities)).optional(),
    language: z.array(z.string()).optional(),
    channel: z.array(z.string()).optional(),
    sentiment: z.array(z.enum(sentiments)).optional(),
    minConfidence: z.number().min(0).max(1).optional(),
    maxConfidence: z.number().min(0).max(1).optional(),
    requesterDomain: z.array(z.string()).optional(),
    tagsAny: z.array(z.string()).optional(),
    automated: z.boolean().optional(),
  })
  .strict();
const actions = z
  .object({
    team: z.string().max(100).optional(),
    queue: z.string().max(100).optional(),
    assignee: z.string().max(200).optional(),
    addTags: z.array(z.string().max(100)).max(20).optional(),
    priority: z.enum(priorities).optional(),
    slaPolicy: z.string().max(100).optional(),
    draft: z.boolean().optional(),
  })
  .strict();
const ruleInput = z.object({
  name: z.string().min(1).max(200),
  enabled: z.boolean().default(true),
  conditions,
  actions,
  continueMatching: z.boolean().default(false),
});
const ruleSchema = ruleInput
  .extend({ id: z.string(), position: z.number() })
  .openapi('RoutingRule');

const list = createRoute({
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
const replace = createRoute({
  method: 'put',
  path: '/api/admin/routing-rules',
  summary: 'Replace the ordered rule list (admin); the first matching rule decides',
  security: [{ apiKey: [] }],
  request: {
    body: {
      content: { 'application/json': { schema: z.object({ rules: z.array(ruleInput).max(500) }) } },
      required: true,
    },
  },
  responses: {
    200: {
      description: 'Saved',
      content: { 'application/json': { schema: z.object({ rules: z.array(ruleSchema) }) } },
    },
  },
});

const view = (r: Awaited<ReturnType<typeof listRoutingRules>>[number]) => ({
  id: r.id,
  position: r.position,
  name: r.name,
  enabled: r.enabled,
  conditions: r.conditions,
  actions: r.actions,
  continueMatching: r.continueMatching,
});

export function routingRuleRoutes(deps: Deps) {
  const app = createRouter();
  app.on('GET', list.path, requireRole(deps, 'manager'));
  app.on('PUT', replace.path, requireRole(deps, 'admin'));
  app.openapi(list, async (c) =>
    c.json({ rules: (await listRoutingRules(deps.db)).map(view) }, 200),
  );
  app.openapi(replace, async (c) => {
    const saved = await replaceRoutingRules(deps.db, c.req.valid('json').rules);
    return c.json({ rules: saved.map(view) }, 200);
  });
  return app;
}
