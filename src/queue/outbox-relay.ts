import { createHash } from 'node:crypto';
import { sql } from 'drizzle-orm';
import type { Logger } from 'pino';
import type { Db } from '../db/client.js';
import {
  claimDueOutboxAsSent,
  claimRelayedOutbox,
  markOutboxVerified,
  releaseOutboxForRetry,
  requeueOutbox,
} from '../db/queries/outbox.js';
import { rowsOf } from '../db/rows.js';
import { withTransaction } from '../db/tx.js';
import { isJobName, jobNames, parseJobPayload } from '../jobs/payloads.js';
import type { Queues } from '../jobs/queues.js';

export interface OutboxRelay {
  /** Ask for a pass soon (called after a commit that wrote outbox rows). */
  kick(): void;
  /** One pass; returns how many rows were moved. Exposed for tests and the CLI. */
  drainOnce(): Promise<number>;
  /** One audit pass over relayed rows (see auditGraceMs). Exposed for tests. */
  auditOnce(): Promise<OutboxAudit>;
  stop(): Promise<void>;
}

export interface OutboxAudit {
  /** Jobs found in Redis: their rows become `verified`. */
  verified: number;
  /** Jobs Redis no longer had: their rows went back to `pending` and are relayed again. */
  requeued: number;
  /** A full batch: more rows are due. */
  more: boolean;
}

export interface OutboxRelayOptions {
  pollMs: number;
  batchSize?: number;
  /** Least time from one pass's start to the next when kicked; see defaultMinPassIntervalMs. */
  minPassIntervalMs?: number;
  /** How often relayed rows are checked against Redis (0 turns the audit off). */
  auditEveryMs?: number;
  /** A relayed row is checked once it is this old; see defaultAuditGraceMs. */
  auditGraceMs?: number;
  /** Rows relayed longer ago than this are no longer judged; see defaultAuditWindowMs. */
  auditWindowMs?: number;
  /** Called with the number of rows requeued by an audit (a metric). */
  onRequeued?: (rows: number) => void;
  log: Logger;
}

/**
 * Redis acknowledges a job before it is on disk: with `appendfsync everysec` (the usual setting) a
 * crash loses up to about a second of acknowledged writes, and a failover to a replica loses what
 * had not replicated. A row marked `sent` may then name a job Redis no longer has, which no queue
 * count shows and no worker will ever run (bench:soak found 3 in 60,000 with Redis SIGKILLed every
 * 40 s). So each relayed row is checked once, when it is old enough that its job is durable: job
 * there → `verified`; gone → back to `pending`, and the relay adds it again under the same id.
 */
const defaultAuditGraceMs = 10_000;
const defaultAuditEveryMs = 5_000;
/**
 * A finished job is deleted from Redis after a day, or sooner once its queue holds 100,000 finished
 * jobs (src/jobs/options.ts): at 1,000 tickets a second that is 100 s. A row judged after its job
 * was trimmed would look lost and run twice, so a row not judged within 60 s of being relayed
 * (the audit fell behind, or no worker ran) is left alone, unjudged. Each pass judges up to
 * auditBatchSize × auditMaxBatches rows: 4,000 a second at one pass every 5 s.
 */
const defaultAuditWindowMs = 60_000;
const auditBatchSize = 5_000;
const auditMaxBatches = 4;

/**
 * A kick right after a pass waits until this long after that pass began. Idle, a delivery is
 * relayed at once; under sustained intake the rows that arrive meanwhile go in one batch, so the
 * fixed cost of a pass (three statements and a Redis round trip) is paid about 50 times a second
 * rather than once or twice per delivery. That cost was a quarter of the api process's CPU per
 * webhook at 1,000 deliveries a second; 20 ms is noise next to triage itself.
 */
const defaultMinPassIntervalMs = 20;

/**
 * The BullMQ job id for an outbox row: re-adding the same id after a crash is a no-op. Row ids
 * start at 1 in every new database, and one Redis often outlives a store (`rm -rf data`, a
 * second install, a restored backup on a fresh cluster): an id alone would then name a job Redis
 * already finished, BullMQ would ignore the add, and the ticket would never be triaged. So the id
 * carries a tag of the database it came from (`outboxStoreTag`).
 */
export const outboxJobId = (rowId: number, storeTag: string) => `ob-${storeTag}-${rowId}`;

/**
 * A short tag that differs between databases: the cluster's system identifier (new at every
 * initdb, PGlite's included) with the database's oid (new for every database on a cluster).
 */
export async function outboxStoreTag(db: Db): Promise<string> {
  const [row] = rowsOf<{ id: string }>(
    await db.execute(sql`select system_identifier::text || ':' || (
        select oid from pg_database where datname = current_database())::text as id
      from pg_control_system()`),
  );
  return createHash('sha256').update(row!.id).digest('hex').slice(0, 10);
}

/**
 * Moves committed outbox rows to BullMQ. Rows are claimed and marked in one transaction; if Redis
 * rejects the add, the rows stay pending with a backoff, so nothing is lost while Redis is down.
 */
export function startOutboxRelay(db: Db, queues: Queues, options: OutboxRelayOptions): OutboxRelay {
  const batchSize = options.batchSize ?? 200;
  const auditEveryMs = options.auditEveryMs ?? defaultAuditEveryMs;
  const auditGraceMs = options.auditGraceMs ?? defaultAuditGraceMs;
  const auditWindowMs = options.auditWindowMs ?? defaultAuditWindowMs;
  let lastAudit = Date.now();
  const minPassIntervalMs = options.minPassIntervalMs ?? defaultMinPassIntervalMs;
  let timer: NodeJS.Timeout | undefined;
  let timerDue = 0;
  let lastPassStarted = Number.NEGATIVE_INFINITY;
  let running: Promise<number> | undefined;
  let again = false;
  let stopped = false;
  let failures = 0;
  let storeTag: Promise<string> | undefined;
  const tag = () => {
    storeTag ??= outboxStoreTag(db).catch((err) => {
      storeTag = undefined;
      throw err;
    });
    return storeTag;
  };

  const drainOnce = async (): Promise<number> => {
    const store = await tag();
    // Jobs go to Redis inside the transaction (the claim is released only once they are there):
    // an aborted run leaves its rows pending for the next pass instead of being run again here.
    return withTransaction(
      db,
      async (tx) => {
        // Claimed already marked `sent`: nobody else sees that before the commit below.
        const rows = await claimDueOutboxAsSent(tx, batchSize);
        if (rows.length === 0) return 0;
        const byQueue = new Map<string, typeof rows>();
        for (const row of rows) {
          const list = byQueue.get(row.jobName) ?? [];
          list.push(row);
          byQueue.set(row.jobName, list);
        }
        let sent = 0;
        const failed: number[] = [];
        let lastError = '';
        for (const [name, list] of byQueue) {
          if (!isJobName(name)) {
            // A row written by a newer release that this one does not know: leave it for that release.
            failed.push(...list.map((r) => r.id));
            lastError = `unknown job ${name}`;
            continue;
          }
          try {
            await queues[name].addBulk(
              list.map((row) => ({
                name,
                data: parseJobPayload(name, row.payload),
                opts: { jobId: outboxJobId(row.id, store), delay: row.delayMs || undefined },
              })),
            );
            sent += list.length;
          } catch (err) {
            failed.push(...list.map((r) => r.id));
            lastError = err instanceof Error ? err.message : String(err);
          }
        }
        if (failed.length > 0) {
          failures += 1;
          const backoff = Math.min(500 * 2 ** Math.min(failures, 5), 15_000);
          await releaseOutboxForRetry(tx, failed, lastError, backoff);
          options.log.warn(
            { rows: failed.length, error: lastError },
            'outbox relay: enqueue failed',
          );
        } else {
          failures = 0;
        }
        return sent;
      },
      { retryAborted: false },
    );
  };

  const auditOnce = async (): Promise<OutboxAudit> => {
    const store = await tag();
    const outcome = await withTransaction(db, async (tx) => {
      const rows = await claimRelayedOutbox(
        tx,
        { fromMs: auditWindowMs, toMs: auditGraceMs },
        jobNames,
        auditBatchSize,
      );
      const present: number[] = [];
      const missing: number[] = [];
      const byQueue = new Map<string, number[]>();
      for (const row of rows) {
        const ids = byQueue.get(row.jobName) ?? [];
        ids.push(row.id);
        byQueue.set(row.jobName, ids);
      }
      for (const [name, ids] of byQueue) {
        if (!isJobName(name)) continue;
        const queue = queues[name];
        // getJobState answers 'unknown' for a job in no state; concurrent calls share the
        // connection's pipeline.
        const states = await Promise.all(
          ids.map((id) =>
            queue
              .getJobState(outboxJobId(id, store))
              .catch(() => null /* unsure: check next time */),
          ),
        );
        ids.forEach((id, i) => {
          const state = states[i];
          if (state === null || state === undefined) return;
          (state === 'unknown' ? missing : present).push(id);
        });
      }
      await markOutboxVerified(tx, present);
      await requeueOutbox(tx, missing, 'job missing from Redis after it was relayed; requeued');
      return {
        verified: present.length,
        requeued: missing.length,
        missingIds: missing,
        full: rows.length === auditBatchSize,
      };
    });
    if (outcome.requeued > 0) {
      options.log.warn(
        { rows: outcome.requeued, outboxIds: outcome.missingIds.slice(0, 20) },
        'outbox audit: relayed jobs were missing from Redis; requeued',
      );
      options.onRequeued?.(outcome.requeued);
    }
    return { verified: outcome.verified, requeued: outcome.requeued, more: outcome.full };
  };

  /** Drains, and audits when one is due; an audit's requeued rows are drained by the next pass. */
  const pass = async (): Promise<number> => {
    const moved = await drainOnce();
    if (auditEveryMs > 0 && Date.now() - lastAudit >= auditEveryMs) {
      lastAudit = Date.now();
      try {
        for (let batch = 0; batch < auditMaxBatches; batch++) {
          const audit = await auditOnce();
          if (audit.requeued > 0) again = true;
          if (!audit.more) break;
        }
      } catch (err) {
        // Rows stay `sent` and are checked on the next audit.
        options.log.warn({ err: err instanceof Error ? err.message : err }, 'outbox audit failed');
      }
    }
    return moved;
  };

  const loop = async () => {
    timer = undefined;
    if (stopped) return;
    if (running) {
      again = true;
      return;
    }
    let moved = 0;
    lastPassStarted = Date.now();
    running = pass().catch((err) => {
      options.log.warn(
        { err: err instanceof Error ? err.message : err },
        'outbox relay pass failed',
      );
      return 0;
    });
    try {
      moved = await running;
    } finally {
      running = undefined;
    }
    if (stopped) return;
    // A full batch means more is waiting: continue at once instead of waiting a poll interval.
    const delay = moved >= batchSize ? 0 : again ? kickDelay() : options.pollMs;
    again = false;
    schedule(delay);
  };

  const kickDelay = () => Math.max(0, lastPassStarted + minPassIntervalMs - Date.now());
  const schedule = (delay: number) => {
    if (timer) clearTimeout(timer);
    timerDue = Date.now() + delay;
    // loop() handles its own failures (a failed pass is logged and retried).
    timer = setTimeout(() => void loop(), delay);
  };

  schedule(0);

  return {
    kick() {
      if (stopped) return;
      if (running) {
        again = true;
        return;
      }
      const delay = kickDelay();
      // An earlier kick may already have a pass scheduled as soon as allowed; keep it.
      if (timer && timerDue <= Date.now() + delay) return;
      schedule(delay);
    },
    drainOnce,
    auditOnce,
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}
