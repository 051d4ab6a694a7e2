import { sql } from 'drizzle-orm';
import { boolean, index, pgTable, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import { id, timestamps } from './columns.js';

export const ticketSources = ['zendesk', 'email', 'api'] as const;
export type TicketSource = (typeof ticketSources)[number];
export const ticketChannels = ['email', 'zendesk', 'api', 'web', 'chat', 'phone', 'other'] as const;
export type TicketChannel = (typeof ticketChannels)[number];
export const ticketStatuses = ['new', 'open', 'pending', 'hold', 'solved', 'closed'] as const;
export type TicketStatus = (typeof ticketStatuses)[number];
/**
 * Where the ticket's reply stands, from its latest draft (`src/db/queries/draft-state.ts` keeps it
 * current): none = no draft, pending = waiting for approval (or being regenerated), abstained =
 * the drafter found nothing to say, rejected = an agent rejected it, sending = approved and not
 * delivered yet, answered = delivered, held = a guard kept it from going out (its delivery is
 * `blocked`: no SMTP configured, loop protection, the daily cap), delivery_failed = the send
 * failed or its outcome is uncertain.
 */
export const draftStates = [
  'none',
  'pending',
  'abstained',
  'rejected',
  'sending',
  'answered',
  'delivery_failed',
  'held',
] as const;
export type DraftState = (typeof draftStates)[number];

export const tickets = pgTable(
  'tickets',
  {
    id: id(),
    source: text('source').$type<TicketSource>().notNull(),
    /** The helpdesk's id, as text: Zendesk ids can exceed 2^53. Null for email-born tickets. */
    externalId: text('external_id'),
    requesterEmail: text('requester_email'),
    requesterName: text('requester_name'),
    subject: text('subject').notNull().default(''),
    status: text('status').$type<TicketStatus>().notNull().default('new'),
    channel: text('channel').$type<TicketChannel>().notNull(),
    language: text('language'),
    /** Automated mail (bounces, auto-replies, lists): never answered. */
    automated: boolean('automated').notNull().default(false),
    automatedReason: text('automated_reason'),
    /** Token used in the support+<token>@ Reply-To address so replies thread onto this ticket. */
    replyToken: text('reply_token')
      .notNull()
      .default(sql`replace(gen_random_uuid()::text, '-', '')`),
    tags: text('tags').array().notNull().default(sql`'{}'::text[]`),
    draftState: text('draft_state').$type<DraftState>().notNull().default('none'),
    /**
     * When the reply to the oldest unanswered customer message is due (the "Overdue" view): set
     * when a customer message arrives on an existing ticket and by each draft (its due time);
     * cleared by a public reply from any door (`src/db/queries/draft-state.ts`).
     */
    replyDueAt: timestamp('reply_due_at', { withTimezone: true, mode: 'date' }),
    /**
     * The API key that created a ticket through the generic webhook: only that key may post
     * further events for it (other keys get 404). Null for Zendesk and email tickets.
     */
    integrationKeyId: text('integration_key_id'),
    ...timestamps(),
  },
  (t) => [
    uniqueIndex('tickets_source_external_id_uq').on(t.source, t.externalId),
    uniqueIndex('tickets_reply_token_uq').on(t.replyToken),
    index('tickets_status_created_idx').on(t.status, t.createdAt),
    index('tickets_requester_email_idx').on(t.requesterEmail),
    // The ticket list: newest first, keyset-paginated on (created_at, id).
    index('tickets_created_id_idx').on(t.createdAt, t.id),
    index('tickets_draft_state_created_idx').on(t.draftState, t.createdAt, t.id),
    // Built-in views (src/db/queries/ticket-list.ts): each scans its own small index.
    index('tickets_needs_human_idx')
      .on(t.createdAt, t.id)
      .where(
        sql`${t.draftState} in ('none', 'abstained', 'rejected') and ${t.status} not in ('solved', 'closed') and not ${t.automated}`,
      ),
    index('tickets_overdue_idx')
      .on(t.createdAt, t.id)
      .where(
        sql`${t.draftState} in ('none', 'pending', 'abstained', 'rejected', 'delivery_failed', 'held') and ${t.status} not in ('solved', 'closed') and ${t.replyDueAt} is not null`,
      ),
  ],
);

export type Ticket = typeof tickets.$inferSelect;
export type NewTicket = typeof tickets.$inferInsert;
