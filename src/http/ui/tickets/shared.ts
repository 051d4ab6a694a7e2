import type { Hono } from 'hono';
import { notices } from '../inbox/shared.js';
import type { UiEnv } from '../session.js';

/** The router every ticket page and form registers itself on. */
export type TicketsApp = Hono<UiEnv>;

/** Outcome messages of the ticket pages, by code (redirects carry codes, never request text). */
export const ticketNotices = {
  replied: {
    kind: 'ok',
    text: 'Reply approved. Undo before the countdown ends to keep it from going.',
  },
  replied_now: { kind: 'ok', text: 'Reply sent — it is being delivered.' },
  reply_undone: {
    kind: 'ok',
    text: 'Undone — nothing was sent. Your reply is back in the composer.',
  },
  draft_in_flight: {
    kind: 'error',
    text: 'Not sent: an approved draft of this ticket is already being delivered. Read the conversation before replying again.',
  },
  noted: { kind: 'ok', text: 'Internal note added.' },
  solved: { kind: 'ok', text: 'Ticket solved. Drafts still waiting were withdrawn.' },
  already_solved: { kind: 'ok', text: 'This ticket was already solved.' },
  helpdesk_owned: {
    kind: 'error',
    text: 'This is a Zendesk ticket: solve it in Zendesk, which reports the solve here.',
  },
  view_saved: { kind: 'ok', text: 'View saved.' },
  view_deleted: { kind: 'ok', text: 'View deleted.' },
  automated: {
    kind: 'error',
    text: 'This ticket is automated mail: nothing is ever sent to it.',
  },
  reused: {
    kind: 'error',
    text: 'This form was already used to send a different reply; nothing more was sent.',
  },
} as const;

/** What a ticket page's `?notice=` may name: the inbox's outcomes (shared forms) and its own. */
export const ticketPageNotices = { ...notices, ...ticketNotices };
