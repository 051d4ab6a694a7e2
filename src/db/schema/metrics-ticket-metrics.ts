import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  customType,
  doublePrecision,
  index,
  integer,
  pgTable,
  text,
  timestamp,
  uuid,
} from 'drizzle-orm/pg-core';
import { tickets } from './tickets.js';

/** Postgres multirange of timestamptz, kept as its text form (only SQL reads it). */
const tstzmultirange = customType<{ data: string }>({ dataType: () => 'tstzmultirange' });

/**
 * One row of facts per ticket, derived from tickets, messages, ticket_events, drafts and
 * ticket_triage by `refreshTicketMetrics` (src/metrics/refresh.ts). Metric queries aggregate
 * this table only, so dashboards stay fast at millions of tickets. Definitions: docs/metrics.md.
 */
export const ticketMetrics = pgTable(
  'ticket_metrics',
  {
    ticketId: uuid('ticket_id')
      .primaryKey()
      .references(() => tickets.id, { onDelete: 'cascade' }),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull(),
    status: text('status').notNull(),
    channel: text('channel').notNull(),
    language: text('language'),
    automated: boolean('automated').notNull(),
    /** Closed as a duplicate (status closed + tag "merged"): excluded from every rate. */
    merged: boolean('merged').notNull(),
    /** Deleted in the helpdesk (latest status event `deleted`): excluded from every rate. */
    deleted: boolean('deleted').notNull().default(false),
    /** Opened by an agent (its first message is a public agent comment, not a reply). */
    agentCreated: boolean('agent_created').notNull().default(false),
    /** Effective category: the agent's correction when there is one, else the prediction. */
    category: text('category'),
    predictedCategory: text('predicted_category'),
    correctedCategory: text('corrected_category'),
    priority: text('priority'),
    team: text('team'),
    queue: text('queue'),
    firstReplyAt: timestamp('first_reply_at', { withTimezone: true, mode: 'date' }),
    firstReplySeconds: doublePrecision('first_reply_seconds'),
    firstReplyBusinessSeconds: doublePrecision('first_reply_business_seconds'),
    /** The first auto-sent AI reply (AI first-response time; not a first reply). */
    aiFirstReplyAt: timestamp('ai_first_reply_at', { withTimezone: true, mode: 'date' }),
    aiFirstReplySeconds: doublePrecision('ai_first_reply_seconds'),
    /** Public outbound replies by a person or by an auto-sent AI draft. */
    agentReplies: integer('agent_replies').notNull().default(0),
    humanReplies: integer('human_replies').notNull().default(0),
    aiReplies: integer('ai_replies').notNull().default(0),
    /** Latest solve, set only while the ticket is solved/closed. */
    solvedAt: timestamp('solved_at', { withTimezone: true, mode: 'date' }),
    /** The first solve, even when reopened since (the SLA is judged against it). */
    firstSolvedAt: timestamp('first_solved_at', { withTimezone: true, mode: 'date' }),
    resolutionSeconds: doublePrecision('resolution_seconds'),
    resolutionBusinessSeconds: doublePrecision('resolution_business_seconds'),
    reopens: integer('reopens').notNull().default(0),
    /** Intervals during which the ticket was solved (for backlog at any instant). */
    closedRanges: tstzmultirange('closed_ranges'),
    slaDueAt: timestamp('sla_due_at', { withTimezone: true, mode: 'date' }),
    overdue: boolean('overdue').notNull().default(false),
    draftsShown: integer('drafts_shown').notNull().default(0),
    draftsUnchanged: integer('drafts_unchanged').notNull().default(0),
    draftsEdited: integer('drafts_edited').notNull().default(0),
    draftsRejected: integer('drafts_rejected').notNull().default(0),
    draftsAutoSent: integer('drafts_auto_sent').notNull().default(0),
    /** Delivery of approved drafts (human or auto-sent), apart from the review decision. */
    draftsDelivered: integer('drafts_delivered').notNull().default(0),
    draftsAwaitingDelivery: integer('drafts_awaiting_delivery').notNull().default(0),
    draftsDeliveryFailed: integer('drafts_delivery_failed').notNull().default(0),
    editDistanceSum: integer('edit_distance_sum').notNull().default(0),
    wordsSentSum: integer('words_sent_sum').notNull().default(0),
    /** Σ over sent drafts of the share of the reply the agent did not have to write. */
    draftSavings: doublePrecision('draft_savings').notNull().default(0),
    lastEventId: bigint('last_event_id', { mode: 'number' }),
    refreshedAt: timestamp('refreshed_at', { withTimezone: true, mode: 'date' })
      .notNull()
      .defaultNow(),
  },
  (t) => [
    index('ticket_metrics_created_idx').on(t.createdAt),
    index('ticket_metrics_category_created_idx').on(t.category, t.createdAt),
    // Backlog at an instant (src/metrics/queries.ts backlogSql): open, solved later, reopened.
    // Covers the never-reopened open tickets, so that count is an index-only scan.
    index('ticket_metrics_open_idx')
      .on(t.createdAt, t.reopens, t.automated, t.merged)
      .where(sql`${t.solvedAt} is null`),
    index('ticket_metrics_solved_idx').on(t.solvedAt),
    index('ticket_metrics_reopened_idx').on(t.solvedAt).where(sql`${t.reopens} > 0`),
  ],
);

export type TicketMetricsRow = typeof ticketMetrics.$inferSelect;
