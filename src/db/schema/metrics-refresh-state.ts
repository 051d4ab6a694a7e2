import { bigint, integer, pgTable, timestamp } from 'drizzle-orm/pg-core';

/** Watermark of the incremental `ticket_metrics` refresh: a single row (id = 1). */
export const metricsRefreshState = pgTable('metrics_refresh_state', {
  id: integer('id').primaryKey(),
  lastEventId: bigint('last_event_id', { mode: 'number' }).notNull().default(0),
  refreshedAt: timestamp('refreshed_at', { withTimezone: true, mode: 'date' }).notNull(),
});
