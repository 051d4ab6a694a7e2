import { Hono } from 'hono';
import type { Deps } from '../../../deps.js';
import { mountOperations } from '../../mount.js';
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
  return mountOperations(app, deps, {
    guard: {
      by: requireUser(deps, 'agent'),
      paths: ['/app/tickets', '/app/tickets/*', '/app/ticket-views', '/app/ticket-views/*'],
    },
    operations: [
      registerTicketListPage,
      registerTicketPage,
      registerReplyForm,
      registerSolveForm,
      registerSavedViewForms,
    ],
  });
}
