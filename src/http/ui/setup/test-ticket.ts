import { z } from 'zod';
import {
  SAMPLE_TEST_QUESTION,
  sendTestTicket,
  suggestTestQuestion,
} from '../../../pipeline/first-run.js';
import { firstIssue, renderWelcome, type SetupApp, type SetupDeps } from './shared.js';

/** The checklist's test-ticket form: the suggested question as offered, or the admin's own. */
const testTicketForm = z.object({
  subject: z.string().trim().max(200).default(''),
  body: z.string().trim().max(5000).default(''),
});

/**
 * POST /app/welcome/test-ticket: sends the question typed in the form (empty: the question the
 * checklist suggests, else the sample one) through intake, then shows its progress.
 */
export function registerTestTicketForm(app: SetupApp, deps: SetupDeps) {
  app.post('/app/welcome/test-ticket', async (c) => {
    const form = testTicketForm.safeParse(await c.req.parseBody());
    if (!form.success) {
      return renderWelcome(deps, c, { kind: 'error', text: firstIssue(form.error) }, 400);
    }
    const { subject, body } = form.data;
    const question =
      subject || body
        ? { subject: subject || body.split('\n')[0]!.slice(0, 200), body: body || subject }
        : ((await suggestTestQuestion(deps)) ?? SAMPLE_TEST_QUESTION);
    const ticketId = await sendTestTicket(deps, deps.now(), question);
    return c.redirect(`/app/welcome/test-ticket/${ticketId}`, 303);
  });
}
