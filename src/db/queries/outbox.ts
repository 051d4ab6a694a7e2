import { and, asc, eq, gte, inArray, lte, sql } from 'drizzle-orm';
import { type JobName, type JobPayload, parseJobPayload } from '../../jobs/payloads.js';
import type { Db } from '../client.js';
import { type OutboxRow, outbox } from '../schema/outbox.js';
import { wakeOutboxAfterCommit } from '../tx.js';

/**
 * Records a job to be enqueued once the surrounding transaction commits, and wakes the outbox
 * relay after that commit (no caller has to remember to).
 */
export async function enqueueOutbox<N extends JobName>(
  db: Db,
  jobName: N,
  payload: JobPayload<N>,
  options: { delayMs?: number; availableInSeconds?: number } = {},
): Promise<number> {
  const [row] = await db
    .insert(outbox)
    .values({
      jobName,
      payload: parseJobPayload(jobName, payload) as Record<string, unknown>,
      delayMs: options.delayMs ?? 0,
      // Held in Postgres (durable, cancellable) rather than as a delayed job in Redis.
      ...(options.availableInSeconds
        ? { availableAt: sql`now() + make_interval(secs => ${options.availableInSeconds})` }
        : {}),
    })
    .returning({ id: outbox.id });
  wakeOutboxAfterCommit(db);
  return row!.id;
}

/**
 * An `enqueueOutbox` row for a combined write (`insertRowsIf` in `writeAllIf`): the payload
 * checked. The caller wakes the relay (`wakeOutboxAfterCommit`) once the write is done.
 */
export function outboxRow<N extends JobName>(
  jobName: N,
  payload: JobPayload<N>,
): typeof outbox.$inferInsert {
  return { jobName, payload: parseJobPayload(jobName, payload) as Record<string, unknown> };
}

/**
 * Claims a batch of due rows. FOR UPDATE SKIP LOCKED lets several relays (one per api/worker
 * replica) run without handing the same row to two of them.
 */
export async function claimPendingOutbox(db: Db, limit: number): Promise<OutboxRow[]> {
  return db
    .select()
    .from(outbox)
    .where(and(eq(outbox.state, 'pending'), lte(outbox.availableAt, sql`now()`)))
    .orderBy(asc(outbox.id))
    .limit(limit)
    .for('update', { skipLocked: true });
}

/**
 * The relay's claim: due rows, marked `sent` in the same statement that locks them (one round trip
 * where a SELECT … FOR UPDATE and an UPDATE were two). The caller's transaction must stay open until
 * their jobs are in Redis: until it commits, every other connection still sees them `pending` and
 * locked (SKIP LOCKED passes them by), and a crash or rollback leaves them `pending` as they were.
 * Rows a pass could not hand to Redis go back with `releaseOutboxForRetry` before it commits.
 * In id order (RETURNING has none of its own).
 */
export async function claimDueOutboxAsSent(db: Db, limit: number): Promise<OutboxRow[]> {
  const due = db
    .select({ id: outbox.id })
    .from(outbox)
    .where(and(eq(outbox.state, 'pending'), lte(outbox.availableAt, sql`now()`)))
    .orderBy(asc(outbox.id))
    .limit(limit)
    .for('update', { skipLocked: true });
  const rows = await db
    .update(outbox)
    .set({ state: 'sent', sentAt: sql`now()`, attempts: sql`${outbox.attempts} + 1` })
    // `= any(array(…))`: the claim runs once, as an init plan; a plain `in (…)` may be planned as
    // a join that scans the locking subquery again.
    .where(sql`${outbox.id} = any(array(${due}))`)
    .returning();
  return rows.sort((a, b) => a.id - b.id);
}

/**
 * Claims relayed rows for the relay's audit: sent between `window.fromMs` and `window.toMs` ago
 * (old enough that Redis has made their jobs durable, young enough that a finished job cannot have
 * been trimmed from Redis yet). Only job names this release knows: a newer release's rows are left
 * to it.
 */
export async function claimRelayedOutbox(
  db: Db,
  window: { fromMs: number; toMs: number },
  jobNames: readonly string[],
  limit: number,
): Promise<Pick<OutboxRow, 'id' | 'jobName'>[]> {
  return db
    .select({ id: outbox.id, jobName: outbox.jobName })
    .from(outbox)
    .where(
      and(
        eq(outbox.state, 'sent'),
        inArray(outbox.jobName, [...jobNames]),
        lte(outbox.sentAt, sql`now() - make_interval(secs => ${window.toMs / 1000})`),
        gte(outbox.sentAt, sql`now() - make_interval(secs => ${window.fromMs / 1000})`),
      ),
    )
    .orderBy(asc(outbox.id))
    .limit(limit)
    .for('update', { skipLocked: true });
}

export async function markOutboxVerified(db: Db, ids: number[]): Promise<void> {
  if (ids.length === 0) return;
  await db.update(outbox).set({ state: 'verified' }).where(inArray(outbox.id, ids));
}

/** Sends rows whose jobs Redis lost back to the relay (same job ids: a re-add is a no-op). */
export async function requeueOutbox(db: Db, ids: number[], reason: string): Promise<void> {
  if (ids.length === 0) return;
  await db
    .update(outbox)
    .set({ state: 'pending', availableAt: sql`now()`, lastError: reason.slice(0, 500) })
    .where(inArray(outbox.id, ids));
}

/**
 * Puts rows claimed by `claimDueOutboxAsSent` back to `pending`, due again in `retryInMs` (their
 * attempt was counted by the claim), in the claiming transaction.
 */
export async function releaseOutboxForRetry(
  db: Db,
  ids: number[],
  error: string,
  retryInMs: number,
): Promise<void> {
  if (ids.length === 0) return;
  await db
    .update(outbox)
    .set({
      state: 'pending',
      sentAt: null,
      lastError: error.slice(0, 500),
      availableAt: sql`now() + make_interval(secs => ${retryInMs / 1000})`,
    })
    .where(inArray(outbox.id, ids));
}

export async function countPendingOutbox(db: Db): Promise<number> {
  const [row] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(outbox)
    .where(eq(outbox.state, 'pending'));
  return row?.n ?? 0;
}

/**
 * Cancels the not-yet-relayed `deliver` job of a delivery (an undone approval). A row already
 * handed to Redis stays; its job finds the delivery gone and does nothing.
 */
export async function cancelPendingDeliverJob(db: Db, deliveryId: string): Promise<number> {
  const rows = await db
    .delete(outbox)
    .where(
      and(
        eq(outbox.jobName, 'deliver'),
        eq(outbox.state, 'pending'),
        sql`${outbox.payload} ->> 'deliveryId' = ${deliveryId}`,
      ),
    )
    .returning({ id: outbox.id });
  return rows.length;
}
