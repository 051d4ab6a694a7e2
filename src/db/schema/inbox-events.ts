import { index, jsonb, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { id } from './columns.js';
import { messages } from './messages.js';
import { tickets } from './tickets.js';

export interface SignatureMeta {
  scheme: 'zendesk-hmac' | 'mailgun-hmac' | 'basic-auth' | 'api-key' | 'none';
  /** Which of the configured secrets matched (0 = current, 1 = previous) — never the secret. */
  keyIndex?: number;
  timestamp?: string;
  apiKeyId?: string;
}

/**
 * Every accepted webhook delivery. The unique (source, dedupe_key) makes redeliveries no-ops,
 * including concurrent ones: the second insert waits on the first transaction's index entry.
 */
export const inboxEvents = pgTable(
  'inbox_events',
  {
    id: id(),
    source: text('source').notNull(),
    dedupeKey: text('dedupe_key').notNull(),
    eventType: text('event_type').notNull(),
    ticketId: uuid('ticket_id').references(() => tickets.id, { onDelete: 'set null' }),
    messageId: uuid('message_id').references(() => messages.id, { onDelete: 'set null' }),
    signature: jsonb('signature').$type<SignatureMeta>().notNull(),
    receivedAt: timestamp('received_at', { withTimezone: true, mode: 'date' })
      .notNull()
      .defaultNow(),
  },
  (t) => [
    uniqueIndex('inbox_events_source_dedupe_uq').on(t.source, t.dedupeKey),
    index('inbox_events_ticket_idx').on(t.ticketId),
  ],
);

/** One-time values (Mailgun tokens, Zendesk signatures) remembered until they expire. */
export const webhookNonces = pgTable(
  'webhook_nonces',
  {
    source: text('source').notNull(),
    nonce: text('nonce').notNull(),
    expiresAt: timestamp('expires_at', { withTimezone: true, mode: 'date' }).notNull(),
  },
  (t) => [
    uniqueIndex('webhook_nonces_pk').on(t.source, t.nonce),
    index('webhook_nonces_exp_idx').on(t.expiresAt),
  ],
);

export type InboxEvent = typeof inboxEvents.$inferSelect;
