import { Hono } from 'hono';
import type { Deps } from '../../../deps.js';
import { requireUser, type UiEnv } from '../session.js';
import { registerTicketListPage } from './list.js';
import { registerTicketPage } from './page.js';
import { registerReplyForm } from './reply.js';
import { registerSolveForm } from './solve.js';
import { registerSavedViewForms } from './views.js';

/**
 * Every ticket, not only those with a pending draft: the list (/app/tickets, filters, search,
 * built-in and saved views) and the ticket page (/app/tickets/:id) with its reply composer and,
 * for email and API tickets, a Solve button. One file per page or form post; all need the agent
 * role and are team-scoped.
 */
export function ticketPages(deps: Deps) {
  const app = new Hono<UiEnv>();
  const agent = requireUser(deps, 'agent');
  app.use('/app/tickets', agent);
  app.use('/app/tickets/*', agent);
  app.use('/app/ticket-views', agent);
  app.use('/app/ticket-views/*', agent);
  for (const register of [
    registerTicketListPage,
    registerTicketPage,
    registerReplyForm,
    registerSolveForm,
    registerSavedViewForms,
  ]) {
    register(app, deps);
  }
  return app;
}
