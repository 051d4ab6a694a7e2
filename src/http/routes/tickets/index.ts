import type { Deps } from '../../../deps.js';
import { requireRole } from '../../middleware/auth.js';
import { createRouter } from '../../openapi.js';
import { registerListTicketDrafts } from './drafts.js';
import { registerListTickets } from './list.js';
import { registerSendReply } from './reply.js';
import { registerSolveTicket } from './solve.js';

/**
 * /api/tickets: the list, a ticket's drafts and replies written by hand; one file per operation,
 * each exporting its `route` and a `register…(app, deps)`. Agents and up; team-scoped. (The
 * triage operations of a ticket live in ./triage.ts.)
 */
export function ticketRoutes(deps: Deps) {
  const app = createRouter();
  const agent = requireRole(deps, 'agent');
  app.use('/api/tickets', agent);
  app.use('/api/tickets/:id/drafts', agent);
  app.use('/api/tickets/:id/replies', agent);
  app.use('/api/tickets/:id/solve', agent);
  for (const register of [
    registerListTickets,
    registerListTicketDrafts,
    registerSendReply,
    registerSolveTicket,
  ]) {
    register(app, deps);
  }
  return app;
}
