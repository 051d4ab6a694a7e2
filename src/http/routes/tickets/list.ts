import { createRoute, z } from '@hono/zod-openapi';
import { listTicketPage } from '../../../db/queries/ticket-list.js';
import type { Deps } from '../../../deps.js';
import type { Router } from '../../openapi.js';
import { readDb } from '../../read-db.js';
import {
  encodeTicketCursor,
  resolveTicketFilters,
  scopedQuery,
  ticketListQuerySchema,
} from '../../ticket-filters.js';
import { security, ticketListItem, ticketListItemSchema } from './schemas.js';

export const route = createRoute({
  method: 'get',
  path: '/api/tickets',
  summary:
    'Every ticket the caller may see, newest first, filtered and searched (agent; team-scoped)',
  description:
    '`q` searches subject, requester and every message (all words must occur; the last one also matches as a prefix). `view` is a built-in view or the id of a saved view. Pages are keyset-paginated: pass `nextCursor` back as `cursor`. A search for common words looks at a window of the newest tickets per page, so a page may hold fewer items than `limit` and still have a `nextCursor` (older tickets remain to be searched).',
  security,
  request: { query: ticketListQuerySchema },
  responses: {
    200: {
      description: 'A page of tickets',
      content: {
        'application/json': {
          schema: z.object({
            items: z.array(ticketListItemSchema),
            nextCursor: z.string().nullable(),
          }),
        },
      },
    },
  },
});

export function registerListTickets(app: Router, deps: Pick<Deps, 'db' | 'config' | 'replica'>) {
  app.openapi(route, async (c) => {
    const { limit, cursor, ...query } = c.req.valid('query');
    const principal = c.get('principal')!;
    // The replica when fresh enough for this client (src/db/replica.ts).
    const db = readDb(c, deps);
    const { filters } = await resolveTicketFilters(db, principal, query);
    const page = await listTicketPage(
      db,
      scopedQuery(principal, filters, { limit, cursor, timeZone: deps.config.TIME_ZONE }),
    );
    return c.json(
      { items: page.rows.map(ticketListItem), nextCursor: encodeTicketCursor(page.next) },
      200,
    );
  });
}
