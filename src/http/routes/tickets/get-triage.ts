import { createRoute, z } from '@hono/zod-openapi';
import { canAccessTicket } from '../../../auth/team-scope.js';
import { getTicket } from '../../../db/queries/tickets.js';
import { getTriage, listAiInteractions } from '../../../db/queries/triage.js';
import type { Deps } from '../../../deps.js';
import { AppError } from '../../errors.js';
import type { Router } from '../../openapi.js';
import { params, security, triageSchema } from './schemas.js';

export const route = createRoute({
  method: 'get',
  path: '/api/tickets/{id}/triage',
  summary: "A ticket's triage and the model calls behind it (agent)",
  security,
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

export function registerGetTriage(app: Router, deps: Deps) {
  app.openapi(route, async (c) => {
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
}
