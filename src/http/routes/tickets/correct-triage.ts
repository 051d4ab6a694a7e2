import { createRoute, z } from '@hono/zod-openapi';
import { actorOf } from '../../../auth/actor.js';
import type { Deps } from '../../../deps.js';
import { correctTriage } from '../../../pipeline/triage/correct.js';
import { FIELD_NAME } from '../../../pipeline/triage/fields.js';
import { AppError } from '../../errors.js';
import { jsonBody, type Router } from '../../openapi.js';
import { params, security } from './schemas.js';

export const route = createRoute({
  method: 'post',
  path: '/api/tickets/{id}/triage',
  summary:
    "Correct the category and/or priority, queue or custom fields (agent). Each becomes a training label for that field's model.",
  security,
  request: {
    params,
    body: jsonBody(
      z
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
    ),
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

export function registerCorrectTriage(app: Router, deps: Deps) {
  app.openapi(route, async (c) => {
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
}
