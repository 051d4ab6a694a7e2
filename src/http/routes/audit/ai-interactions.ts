import { createRoute, z } from '@hono/zod-openapi';
import { aiInteractionCursorKey, auditAiInteractions } from '../../../audit/list.js';
import { roleAllows } from '../../../auth/api-keys.js';
import type { Deps } from '../../../deps.js';
import { requireRole } from '../../middleware/auth.js';
import type { Router } from '../../openapi.js';
import { pageQuery, pageSchema, toRange } from './shared.js';

const interactionSchema = z
  .object({
    id: z.string(),
    ticketId: z.string().nullable(),
    kind: z
      .string()
      .openapi({ description: 'The pipeline step, e.g. triage.classify, draft.generate' }),
    model: z.string(),
    promptVersion: z.string().nullable(),
    latencyMs: z.number(),
    promptTokens: z.number().nullable(),
    completionTokens: z.number().nullable(),
    inputRefs: z.unknown().openapi({ description: 'Ids of what the model was given' }),
    output: z.unknown().openapi({
      description:
        'Labels, scores and flags; free text is withheld ("[text]") unless the caller is an admin, who gets it with personal data redacted',
    }),
    createdAt: z.string(),
  })
  .openapi('AiInteraction');

export const route = createRoute({
  method: 'get',
  path: '/api/audit/ai-interactions',
  summary: 'Every model call: model, prompt version, latency, tokens, ticket (manager)',
  description:
    'Newest first. Managers see ids, models, timings, labels and scores, never customer text; admins also see model outputs with personal data redacted.',
  security: [{ apiKey: [] }],
  request: {
    query: pageQuery.extend({
      ticketId: z.uuid().optional(),
      kind: z
        .string()
        .regex(
          /^[a-z_]+(\.[a-z_]+)?$/,
          'expected a step such as triage.llm or a family such as draft',
        )
        .optional()
        .openapi({
          description:
            'A step (triage.classify, triage.llm, draft.generate, draft.extractive) or its family (triage, draft)',
        }),
    }),
  },
  responses: {
    200: {
      description: 'One page of model calls',
      content: { 'application/json': { schema: pageSchema(interactionSchema) } },
    },
  },
});

export function registerListAiInteractions(app: Router, deps: Deps) {
  app.on('GET', route.path, requireRole(deps, 'manager'));
  app.openapi(route, async (c) => {
    const q = c.req.valid('query');
    const principal = c.get('principal')!;
    const result = await auditAiInteractions(
      deps.db,
      { ...toRange(q, aiInteractionCursorKey), ticketId: q.ticketId, kind: q.kind },
      { fullOutput: roleAllows(principal.role, 'admin') },
    );
    return c.json(result, 200);
  });
}
