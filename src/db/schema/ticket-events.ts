import { bigserial, index, jsonb, pgTable, text, uuid } from 'drizzle-orm/pg-core';
import { createdAt } from './columns.js';
import { tickets } from './tickets.js';

/**
 * Typed lifecycle events. Later steps add their own types here; metrics are computed from this
 * log, so a type, once written, keeps its meaning.
 */
export const ticketEventTypes = [
  'created',
  'message_received',
  'status_changed',
  'triaged',
  'triage_corrected',
  'drafted',
  'approved',
  'edited',
  'rejected',
  'regenerated',
  'claimed',
  'overdue',
  'delivery_failed',
  'delivery_retried',
  'sent',
  'solved',
  'reopened',
  /** An agent wrote a reply by hand on the ticket page (`data.draftId`); `sent` follows. */
  'replied',
  /** An agent added an internal note (`data.messageId`); nothing is sent. */
  'note_added',
  /** The helpdesk reported a status we do not know; `data.status` holds it as sent. */
  'helpdesk_status',
  /** Fields written to the helpdesk (write-back) and fields left to its agents. */
  'helpdesk_written',
  /** An agent took an approval back within the undo window (`data.draftId`); nothing was sent. */
  'approval_undone',
  /** An agent saved an edit to a pending draft without sending it (`data.draftId`). */
  'draft_saved',
  /**
   * The helpdesk deleted the ticket (Zendesk DELETED or SCRUBBED; `data.helpdeskStatus`): closed,
   * but not resolved. Metrics exclude the ticket until a later status event restores it.
   */
  'deleted',
] as const;
export type TicketEventType = (typeof ticketEventTypes)[number];
export const actorKinds = ['customer', 'agent', 'ai', 'system', 'integration'] as const;
export type ActorKind = (typeof actorKinds)[number];

export const ticketEvents = pgTable(
  'ticket_events',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    ticketId: uuid('ticket_id')
      .notNull()
      .references(() => tickets.id, { onDelete: 'cascade' }),
    type: text('type').$type<TicketEventType>().notNull(),
    actorKind: text('actor_kind').$type<ActorKind>().notNull(),
    actorId: text('actor_id'),
    data: jsonb('data').$type<Record<string, unknown>>().notNull().default({}),
    createdAt: createdAt(),
  },
  (t) => [
    index('ticket_events_ticket_idx').on(t.ticketId, t.createdAt),
    index('ticket_events_type_created_idx').on(t.type, t.createdAt),
    // Audit listing of actions across types, newest first.
    index('ticket_events_created_idx').on(t.createdAt, t.id),
  ],
);

export type TicketEvent = typeof ticketEvents.$inferSelect;
