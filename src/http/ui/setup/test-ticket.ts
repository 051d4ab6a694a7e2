import { sendTestTicket } from '../../../pipeline/first-run.js';
import type { SetupApp, SetupDeps } from './shared.js';

/** POST /app/welcome/test-ticket: sends a test ticket through intake, then shows its progress. */
export function registerTestTicketForm(app: SetupApp, deps: SetupDeps) {
  app.post('/app/welcome/test-ticket', async (c) => {
    const ticketId = await sendTestTicket(deps, deps.now());
    return c.redirect(`/app/welcome/test-ticket/${ticketId}`, 303);
  });
}
