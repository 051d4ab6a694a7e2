import type { Deps } from '../../../deps.js';
import { requireRole } from '../../middleware/auth.js';
import { mountOperations } from '../../mount.js';
import { createRouter } from '../../openapi.js';
import { registerCorrectTriage } from './correct-triage.js';
import { registerListTicketDrafts } from './drafts.js';
import { registerGetTriage } from './get-triage.js';
import { registerListTickets } from './list.js';
import { registerSendReply } from './reply.js';
import { registerSolveTicket } from './solve.js';

/**
 * /api/tickets: the list, a ticket's drafts, its triage (read and corrected) and replies written by
 * hand; one file per operation, each exporting its `route` and a `register…(app, deps)`. Agents
 * and up; team-scoped.
 */
export function ticketRoutes(deps: Deps) {
  const app = createRouter();
  return mountOperations(app, deps, {
    guard: {
      by: requireRole(deps, 'agent'),
      paths: [
        '/api/tickets',
        '/api/tickets/:id/drafts',
        '/api/tickets/:id/replies',
        '/api/tickets/:id/solve',
        '/api/tickets/:id/triage',
      ],
    },
    operations: [
      registerListTickets,
      registerListTicketDrafts,
      registerSendReply,
      registerSolveTicket,
      registerGetTriage,
      registerCorrectTriage,
    ],
  });
}
