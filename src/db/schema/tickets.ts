import { sql } from 'drizzle-orm';
import { boolean, index, pgTable, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { id, timestamps } from './columns.js';

export const ticketSources = ['zendesk', 'email', 'api'] as const;
export type TicketSource = (typeof ticketSources)[number];
export const ticketChannels = ['email', 'zendesk', 'api', 'web', 'chat', 'phone', 'other'] as const;
export type TicketChannel = (typeof ticketChannels)[number];
export const ticketStatuses = ['new', 'open', 'pending', 'hold', 'solved', 'closed'] as const;
export type TicketStatus = (typeof ticketStatuses)[number];

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
    ...timestamps(),
  },
  (t) => [
    uniqueIndex('tickets_source_external_id_uq').on(t.source, t.externalId),
    uniqueIndex('tickets_reply_token_uq').on(t.replyToken),
    index('tickets_status_created_idx').on(t.status, t.createdAt),
    index('tickets_requester_email_idx').on(t.requesterEmail),
  ],
);

export type Ticket = typeof tickets.$inferSelect;
export type NewTicket = typeof tickets.$inferInsert;
