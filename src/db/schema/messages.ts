import { sql } from 'drizzle-orm';
import { boolean, index, jsonb, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { createdAt, id } from './columns.js';
import { tickets } from './tickets.js';

export const messageDirections = ['inbound', 'outbound'] as const;
export type MessageDirection = (typeof messageDirections)[number];
export const authorKinds = ['customer', 'agent', 'ai', 'system'] as const;
export type AuthorKind = (typeof authorKinds)[number];

export interface AttachmentMeta {
  filename: string | null;
  contentType: string;
  size: number;
  contentId: string | null;
  sha256: string | null;
  /** True when the attachment exceeded the size limit and only its metadata was kept. */
  tooLarge: boolean;
}

export const messages = pgTable(
  'messages',
  {
    id: id(),
    ticketId: uuid('ticket_id')
      .notNull()
      .references(() => tickets.id, { onDelete: 'cascade' }),
    direction: text('direction').$type<MessageDirection>().notNull(),
    authorKind: text('author_kind').$type<AuthorKind>().notNull(),
    authorEmail: text('author_email'),
    authorName: text('author_name'),
    /** Helpdesk comment id (Zendesk) as text. */
    externalId: text('external_id'),
    public: boolean('public').notNull().default(true),
    bodyText: text('body_text').notNull().default(''),
    bodyHtml: text('body_html'),
    /** The new part of a reply: quoted history and signature removed. */
    strippedText: text('stripped_text').notNull().default(''),
    emailMessageId: text('email_message_id'),
    emailInReplyTo: text('email_in_reply_to'),
    emailReferences: text('email_references').array().notNull().default(sql`'{}'::text[]`),
    attachments: jsonb('attachments').$type<AttachmentMeta[]>().notNull().default([]),
    sentAt: timestamp('sent_at', { withTimezone: true, mode: 'date' }),
    createdAt: createdAt(),
  },
  (t) => [
    index('messages_ticket_created_idx').on(t.ticketId, t.createdAt),
    index('messages_email_message_id_idx').on(t.emailMessageId),
  ],
);

export type Message = typeof messages.$inferSelect;
export type NewMessage = typeof messages.$inferInsert;
