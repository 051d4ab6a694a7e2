import type { JobName } from '../jobs/payloads.js';
import type { RedisConnection } from '../jobs/redis.js';

/**
 * The worker watchdog: a worker that stops taking jobs while jobs wait is the failure nobody sees.
 * Intake keeps answering 202, the outbox keeps relaying, and tickets pile up undrafted or replies
 * undelivered until someone restarts the process.
 *
 * It happens when a worker's blocking connection waits on a socket that died without a reset: a
 * half-open TCP connection after a Redis failover or a restart on another host, a NAT or load
 * balancer that dropped the flow. BullMQ's blocking fetch has no client-side timeout, so it waits
 * forever (ioredis only notices a dead peer when a write fails). bench:scale saw workers on a
 * Redis Cluster take no draft or deliver jobs for minutes after a master's restart
 * (taskforcesh/bullmq#4138 reports the same). Whatever the cause, the cure is the same: close the
 * worker and start a new one on new connections.
 *
 * Every look, for each queue: jobs waiting, the worker not paused (back-pressure pauses drafting on
 * purpose), a free slot (a worker whose slots are all held by long model drafts is busy, not
 * stuck), and no job started since the last look. Stuck for `stallMs` in a row → restart.
 */
export interface WatchdogLook {
  /** Jobs ready to run (wait + prioritized lists), or null when Redis did not answer in time. */
  waiting: number | null;
  paused: boolean;
  /** Jobs this worker is running now. */
  running: number;
  concurrency: number;
  /** Jobs this worker started since the previous look. */
  started: number;
}

/** When the worker was first seen stuck (ms), or null; `restart` once stuck for stallMs. */
export function watchdogVerdict(
  stuckSince: number | null,
  look: WatchdogLook,
  now: number,
  stallMs: number,
): { stuckSince: number | null; restart: boolean } {
  // Not knowing (Redis slow or down) is not evidence either way: keep the clock as it is.
  if (look.waiting === null) return { stuckSince, restart: false };
  const stuck =
    look.waiting > 0 && !look.paused && look.running < look.concurrency && look.started === 0;
  if (!stuck) return { stuckSince: null, restart: false };
  const since = stuckSince ?? now;
  return { stuckSince: since, restart: now - since >= stallMs };
}

/**
 * Ready jobs per queue in one round trip; null for all when Redis does not answer within
 * `timeoutMs` (a look on a dead connection must not hang the watchdog itself).
 */
export async function waitingCounts(
  redis: RedisConnection,
  keys: { name: JobName; wait: string; prioritized: string }[],
  timeoutMs: number,
): Promise<Map<JobName, number> | null> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<null>((resolve) => {
    timer = setTimeout(() => resolve(null), timeoutMs);
  });
  // Each queue's keys share one hash tag on a cluster, so each queue is its own pipeline there.
  const counts = Promise.all(
    keys.map(async (k) => {
      const [wait, prioritized] = await Promise.all([
        redis.llen(k.wait),
        redis.zcard(k.prioritized),
      ]);
      return [k.name, wait + prioritized] as const;
    }),
  ).then((pairs) => new Map(pairs));
  try {
    return await Promise.race([counts.catch(() => null), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
