import { createRoute, z } from '@hono/zod-openapi';
import { actorOf } from '../../../auth/actor.js';
import { canAccessTicket } from '../../../auth/team-scope.js';
import { getTicket } from '../../../db/queries/tickets.js';
import { getTriage, listAiInteractions } from '../../../db/queries/triage.js';
import type { Deps } from '../../../deps.js';
import { correctTriage } from '../../../pipeline/triage/correct.js';
import { FIELD_NAME } from '../../../pipeline/triage/fields.js';
import { AppError } from '../../errors.js';
import { requireRole } from '../../middleware/auth.js';
import { createRouter } from '../../openapi.js';

const fieldDecisionSchema = z
  .object({
    value: z.string(),
    decidedBy: z
      .enum(['classifier', 'llm', 'rules', 'agent'])
      .openapi({ description: "The field's trained model, the LLM tier, the rules, or an agent" }),
    confidence: z.number().nullable(),
    modelVersion: z.number().nullable(),
    override: z
      .object({ from: z.string(), reason: z.string() })
      .nullable()
      .openapi({ description: "Set when a rule or an agent replaced the model's answer" }),
    reasons: z.array(z.string()),
    explanation: z.array(z.object({ term: z.string(), weight: z.number() })).openapi({
      description: "The ticket's terms that drove the model's answer, strongest first",
    }),
  })
  .openapi('TriageFieldDecision');

const triageSchema = z
  .object({
    ticketId: z.string(),
    category: z.string(),
    confidence: z.number(),
    decidedBy: z.string(),
    priority: z.string(),
    sentiment: z.string(),
    language: z.string().nullable(),
    team: z.string().nullable(),
    queue: z.string().nullable(),
    tags: z.array(z.string()),
    shouldDraft: z.boolean(),
    matchedRules: z.array(z.string()),
    correctedCategory: z.string().nullable(),
    classifierVersion: z.number().nullable(),
    fields: z
      .record(z.string(), fieldDecisionSchema)
      .openapi({ description: 'Per field (category, priority, queue, …): how it was decided' }),
  })
  .openapi('Triage');

const params = z.object({ id: z.uuid() });

const get = createRoute({
  method: 'get',
  path: '/api/tickets/{id}/triage',
  summary: "A ticket's triage and the model calls behind it (agent)",
  security: [{ apiKey: [] }],
  request: { params },
  responses: {
    200: {
      description: 'Triage',
      content: {
        'application/json': {
          schema: z.object({
            triage: triageSchema,
            interactions: z.array(
              z.object({
                step: z.string(),
                model: z.string(),
                latencyMs: z.number(),
                output: z.unknown(),
              }),
            ),
          }),
        },
      },
    },
  },
});

const correct = createRoute({
  method: 'post',
  path: '/api/tickets/{id}/triage',
  summary:
    "Correct the category and/or priority, queue or custom fields (agent). Each becomes a training label for that field's model.",
  security: [{ apiKey: [] }],
  request: {
    params,
    body: {
      content: {
        'application/json': {
          schema: z
            .object({
              category: z.string().min(1).max(60).optional(),
              priority: z.enum(['low', 'normal', 'high', 'urgent']).optional(),
              queue: z.string().trim().min(1).max(100).optional(),
              fields: z
                .record(
                  z.string().regex(FIELD_NAME, 'a field name: lower case letters, digits, _'),
                  z.string().trim().min(1).max(100),
                )
                .optional()
                .openapi({ description: 'Custom triage fields, e.g. {"type": "Incident"}' }),
            })
            .refine(
              (body) =>
                body.category !== undefined ||
                body.priority !== undefined ||
                body.queue !== undefined ||
                Object.keys(body.fields ?? {}).length > 0,
              { message: 'name at least one of category, priority, queue, fields' },
            ),
        },
      },
      required: true,
    },
  },
  responses: {
    200: {
      description: 'Corrected',
      content: {
        'application/json': {
          schema: z.object({
            previous: z.string(),
            category: z.string(),
            fields: z.record(
              z.string(),
              z.object({ previous: z.string().nullable(), value: z.string() }),
            ),
          }),
        },
      },
    },
  },
});

export function ticketTriageRoutes(deps: Deps) {
  const app = createRouter();
  app.use('/api/tickets/:id/triage', requireRole(deps, 'agent'));
  app.openapi(get, async (c) => {
    const { id } = c.req.valid('param');
    // Another team's ticket answers like a missing one, so its id is not confirmed.
    if (!(await canAccessTicket(deps.db, c.get('principal')!, id))) {
      throw new AppError('not_found', `No ticket ${id}`);
    }
    const triage = await getTriage(deps.db, id);
    if (!triage) {
      const exists = await getTicket(deps.db, id);
      throw new AppError('not_found', exists ? 'Ticket is not triaged yet' : `No ticket ${id}`);
    }
    const interactions = await listAiInteractions(deps.db, id);
    return c.json(
      {
        triage: {
          ticketId: triage.ticketId,
          category: triage.category,
          confidence: triage.confidence,
          decidedBy: triage.decidedBy,
          priority: triage.priority,
          sentiment: triage.sentiment,
          language: triage.language,
          team: triage.team,
          queue: triage.queue,
          tags: triage.tags,
          shouldDraft: triage.shouldDraft,
          matchedRules: triage.matchedRules,
          correctedCategory: triage.correctedCategory,
          classifierVersion: triage.classifierVersion,
          fields: triage.fields,
        },
        interactions: interactions.map((i) => ({
          step: i.step,
          model: i.model,
          latencyMs: i.latencyMs,
          output: i.output,
        })),
      },
      200,
    );
  });
  app.openapi(correct, async (c) => {
    const { id } = c.req.valid('param');
    const body = c.req.valid('json');
    const result = await correctTriage(deps, {
      ticketId: id,
      ...(body.category === undefined ? {} : { category: body.category }),
      fields: {
        ...body.fields,
        ...(body.priority === undefined ? {} : { priority: body.priority }),
        ...(body.queue === undefined ? {} : { queue: body.queue }),
      },
      actor: actorOf(c.get('principal')!),
    });
    if (!result.ok) {
      if (result.reason === 'unknown_category') {
        throw new AppError('validation_failed', 'category: not an active taxonomy category');
      }
      if (result.reason === 'invalid_field') {
        throw new AppError('validation_failed', result.message ?? 'fields: invalid');
      }
      throw new AppError(
        'not_found',
        result.reason === 'not_triaged' ? 'Ticket is not triaged yet' : `No ticket ${id}`,
      );
    }
    return c.json(
      { previous: result.previous, category: result.category, fields: result.fields },
      200,
    );
  });
  return app;
}
