import { createRoute, z } from '@hono/zod-openapi';
import { actorOf } from '../../../auth/actor.js';
import type { Deps } from '../../../deps.js';
import { solveTicket } from '../../../pipeline/review/sla-solve.js';
import { AppError } from '../../errors.js';
import type { Router } from '../../openapi.js';
import { params, security } from './schemas.js';

export const route = createRoute({
  method: 'post',
  path: '/api/tickets/{id}/solve',
  summary:
    'Solve a ticket (agent; team-scoped): for email and API tickets, whose status no helpdesk reports',
  description:
    'Drafts still waiting are retired. Solving a solved ticket again answers 200 and changes nothing. A Zendesk ticket is solved in Zendesk (409).',
  security,
  request: { params },
  responses: {
    200: {
      description: 'The ticket is solved',
      content: {
        'application/json': {
          schema: z.object({
            id: z.uuid(),
            status: z.literal('solved'),
            alreadySolved: z.boolean(),
          }),
        },
      },
    },
  },
});

export function registerSolveTicket(app: Router, deps: Pick<Deps, 'db' | 'live'>) {
  app.openapi(route, async (c) => {
    const { id } = c.req.valid('param');
    const actor = actorOf(c.get('principal')!);
    const result = await solveTicket(deps, { ticketId: id, actor });
    if (!result.ok) {
      if (result.reason === 'not_found') throw new AppError('not_found', `No ticket ${id}`);
      throw new AppError('conflict', 'This is a Zendesk ticket: solve it in Zendesk');
    }
    return c.json({ id, status: 'solved' as const, alreadySolved: result.alreadySolved }, 200);
  });
}
