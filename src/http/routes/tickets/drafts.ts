import { createRoute, z } from '@hono/zod-openapi';
import { canAccessTicket } from '../../../auth/team-scope.js';
import { getDeliveryForDraft, listDraftsForTicket } from '../../../db/queries/drafts.js';
import { getTicket } from '../../../db/queries/tickets.js';
import type { Deps } from '../../../deps.js';
import { AppError } from '../../errors.js';
import type { Router } from '../../openapi.js';
import {
  deliverySummary,
  deliverySummarySchema,
  draftActorNames,
  draftSchema,
  draftView,
} from '../drafts/schemas.js';
import { params, security } from './schemas.js';

const deliverySchema = deliverySummarySchema.extend({ sentAt: z.string().nullable() }).nullable();

export const route = createRoute({
  method: 'get',
  path: '/api/tickets/{id}/drafts',
  summary:
    "A ticket's drafts, every version oldest first, each with its delivery (agent; team-scoped). Replies written by hand are drafts of kind `manual`.",
  security,
  request: { params },
  responses: {
    200: {
      description: 'Drafts of the ticket',
      content: {
        'application/json': {
          schema: z.object({
            drafts: z.array(draftSchema.extend({ delivery: deliverySchema })),
          }),
        },
      },
    },
  },
});

export function registerListTicketDrafts(app: Router, deps: Pick<Deps, 'db'>) {
  app.openapi(route, async (c) => {
    const { id } = c.req.valid('param');
    // Another team's ticket answers like a missing one, so its id is not confirmed.
    const ticket = (await canAccessTicket(deps.db, c.get('principal')!, id))
      ? await getTicket(deps.db, id)
      : null;
    if (!ticket) throw new AppError('not_found', `No ticket ${id}`);
    const drafts = await listDraftsForTicket(deps.db, ticket.id);
    const [deliveries, names] = await Promise.all([
      Promise.all(drafts.map((d) => getDeliveryForDraft(deps.db, d.id))),
      draftActorNames(deps.db, drafts),
    ]);
    return c.json(
      {
        drafts: drafts.map((d, i) => {
          const delivery = deliveries[i];
          return {
            ...draftView(d, names),
            delivery: delivery
              ? { ...deliverySummary(delivery), sentAt: delivery.sentAt?.toISOString() ?? null }
              : null,
          };
        }),
      },
      200,
    );
  });
}
