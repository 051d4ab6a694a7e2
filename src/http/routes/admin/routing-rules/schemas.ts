import { z } from '@hono/zod-openapi';
import type { listRoutingRules } from '../../../../db/queries/triage.js';
import { priorities, sentiments } from '../../../../db/schema/triage.js';

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
export const ruleInput = z.object({
  name: z.string().min(1).max(200),
  enabled: z.boolean().default(true),
  conditions,
  actions,
  continueMatching: z.boolean().default(false),
});
export const ruleSchema = ruleInput
  .extend({ id: z.string(), position: z.number() })
  .openapi('RoutingRule');

/** A stored rule as the API answers it. */
export const ruleView = (r: Awaited<ReturnType<typeof listRoutingRules>>[number]) => ({
  id: r.id,
  position: r.position,
  name: r.name,
  enabled: r.enabled,
  conditions: r.conditions,
  actions: r.actions,
  continueMatching: r.continueMatching,
});
