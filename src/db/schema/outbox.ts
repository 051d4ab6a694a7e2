import { bigserial, index, integer, jsonb, pgTable, text, timestamp } from 'drizzle-orm/pg-core';
import { createdAt } from './columns.js';

/**
 * pending → sent (handed to Redis) → verified (seen in Redis after its writes were durable; see
 * the relay's audit). A `sent` row whose job Redis lost goes back to `pending`.
 */
export const outboxStates = ['pending', 'sent', 'verified', 'failed'] as const;
export type OutboxState = (typeof outboxStates)[number];

/**
 * Transactional outbox: written in the same transaction as the domain change, moved to BullMQ by
 * the relay. The BullMQ job id is derived from the row id, so a relay that crashes after enqueueing
 * but before marking the row sent re-enqueues the same job id, which BullMQ ignores.
 */
export const outbox = pgTable(
  'outbox',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    jobName: text('job_name').notNull(),
    payload: jsonb('payload').$type<Record<string, unknown>>().notNull(),
    /** Optional delay before the job becomes runnable (SLA timers). */
    delayMs: integer('delay_ms').notNull().default(0),
    state: text('state').$type<OutboxState>().notNull().default('pending'),
    attempts: integer('attempts').notNull().default(0),
    lastError: text('last_error'),
    availableAt: timestamp('available_at', { withTimezone: true, mode: 'date' })
      .notNull()
      .defaultNow(),
    sentAt: timestamp('sent_at', { withTimezone: true, mode: 'date' }),
    createdAt: createdAt(),
  },
  (t) => [index('outbox_pending_idx').on(t.state, t.availableAt, t.id)],
);

export type OutboxRow = typeof outbox.$inferSelect;
