import { z } from 'zod';
import { userActor } from '../../../auth/actor.js';
import { citationsForChunks } from '../../../db/queries/ticket-page.js';
import { getTicket } from '../../../db/queries/tickets.js';
import type { Deps } from '../../../deps.js';
import {
  addInternalNote,
  collisionWording,
  sendManualReply,
} from '../../../pipeline/reply/manual.js';
import { form, uuidParam, withParams } from '../inbox/shared.js';
import { renderTicketPage } from './page.js';
import type { TicketsApp } from './shared.js';

const replyForm = z.object({
  text: z
    .string()
    .transform((t) => t.replace(/\r\n?/g, '\n').trim())
    .pipe(z.string().min(1).max(20_000)),
  idempotencyKey: z.uuid(),
  // When the page was rendered (agent collision); the composer always sends it.
  seenAt: z.iso.datetime({ offset: true }).optional(),
  force: z.literal('1').optional(),
  citation: z
    .union([z.uuid(), z.array(z.uuid()).max(20)])
    .optional()
    .transform((v) => (v === undefined ? [] : Array.isArray(v) ? v : [v])),
});
const noteForm = z.object({
  text: z
    .string()
    .transform((t) => t.replace(/\r\n?/g, '\n').trim())
    .pipe(z.string().min(1).max(20_000)),
});

/**
 * POST /app/tickets/:id/replies — the composer: `sendManualReply`, the API's function (same
 * idempotency, same delivery path). The form carries a key minted when the page was rendered, so
 * a resubmitted form (back button, double submit) sends once. It also carries when the page was
 * rendered: a colleague's reply since then (agent collision) answers with the page again, the text
 * kept, naming who replied, with Send anyway (`force`) and Discard.
 */
export function registerReplyForm(app: TicketsApp, deps: Deps) {
  app.post('/app/tickets/:id/replies', async (c) => {
    const body = await c.req.parseBody({ all: true });
    const id = uuidParam.safeParse(c.req.param('id'));
    if (!id.success) return c.redirect('/app/tickets?notice=missing', 303);
    const page = `/app/tickets/${id.data}`;
    const input = replyForm.safeParse(body);
    if (!input.success) return c.redirect(withParams(page, { notice: 'invalid' }), 303);
    const result = await sendManualReply(deps, {
      ticketId: id.data,
      actor: userActor(c.get('user')),
      text: input.data.text,
      idempotencyKey: input.data.idempotencyKey,
      citations: await citationsForChunks(deps.db, input.data.citation),
      ...(input.data.seenAt ? { seenAt: new Date(input.data.seenAt) } : {}),
      force: input.data.force === '1',
    });
    // Another team's ticket answers like a missing one: back to the list, as from the notes form.
    if (!result.ok && result.reason === 'not_found') {
      return c.redirect('/app/tickets?notice=no_ticket', 303);
    }
    if (!result.ok && result.reason === 'collision') {
      // The page again (409), with the agent's text kept and who replied first.
      const ticket = await getTicket(deps.db, id.data);
      if (!ticket) return c.redirect('/app/tickets?notice=no_ticket', 303);
      return renderTicketPage(c, deps, ticket, {
        message: collisionWording(result.reply),
        text: input.data.text,
        citations: input.data.citation,
      });
    }
    if (!result.ok) {
      const notice =
        result.reason === 'automated' || result.reason === 'draft_in_flight'
          ? result.reason
          : result.reason === 'no_reply_route'
            ? 'unreachable'
            : 'reused';
      return c.redirect(withParams(page, { notice }), 303);
    }
    // The reply waits out the undo window: the page shows the countdown with Undo.
    return deps.config.SEND_DELAY_SECONDS > 0 && result.delivery?.state === 'pending'
      ? c.redirect(withParams(page, { notice: 'replied', undo: result.draft.id }), 303)
      : c.redirect(withParams(page, { notice: 'replied_now' }), 303);
  });

  /** POST /app/tickets/:id/notes — an internal note (never sent). */
  app.post('/app/tickets/:id/notes', async (c) => {
    const body = await form(c);
    const id = uuidParam.safeParse(c.req.param('id'));
    if (!id.success) return c.redirect('/app/tickets?notice=missing', 303);
    const page = `/app/tickets/${id.data}`;
    const input = noteForm.safeParse(body);
    if (!input.success) return c.redirect(withParams(page, { notice: 'invalid' }), 303);
    const user = c.get('user');
    const result = await addInternalNote(deps, {
      ticketId: id.data,
      actor: userActor(user),
      actorEmail: user.email,
      text: input.data.text,
    });
    if (!result.ok) return c.redirect('/app/tickets?notice=no_ticket', 303);
    return c.redirect(withParams(page, { notice: 'noted' }), 303);
  });
}
