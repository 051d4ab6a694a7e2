import { type IntervalHistogram, monitorEventLoopDelay } from 'node:perf_hooks';
import { sql } from 'drizzle-orm';
import type { Logger } from 'pino';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { Db } from '../db/client.js';
import { rowsOf } from '../db/rows.js';
import type { Backpressure } from '../jobs/backpressure.js';
import type { Queues } from '../jobs/queues.js';

/**
 * Under overload the webhook path degrades last. Two levels, sampled once a second:
 *
 * 1. **Drafting pauses first** (this process's draft worker stops taking jobs) while triage is
 *    behind (`DRAFT_PAUSE_BACKLOG` waiting triage jobs) or this process's event loop lags
 *    (`DRAFT_PAUSE_LAG_MS`, p99 of each second, for five seconds in a row). Drafting is the most expensive step and
 *    the only one that can wait without anything being lost: intake and triage keep their CPU.
 *    It resumes below half of each threshold (hysteresis, so it does not flap).
 * 2. **Intake sheds only past a configured outbox depth** (`INTAKE_MAX_OUTBOX_DEPTH` pending
 *    outbox rows, 0 = never): the generic webhook answers 429 with Retry-After, which any
 *    well-behaved sender retries. The outbox is the buffer that lets intake keep accepting while
 *    Redis or the relay is behind; past the configured depth, refusing is safer than growing it
 *    without bound. Zendesk and email providers are never refused this way (they deactivate
 *    endpoints that fail), which is why only the generic webhook sheds.
 *
 * Both are exported as Prometheus gauges, with a counter of shed requests.
 *
 * **A triage backlog Redis cannot tell** is not an empty one: a failed count keeps the last value
 * read for `backlogGraceMs` (a Redis restart or failover is over in seconds, and reading 0 then
 * would resume drafting into the outage). Past that, the backlog is unknown: it no longer holds
 * drafting paused (a pause with no end in sight would stop drafting for the whole outage on a
 * number nobody can check), and `deskpilot_backpressure_backlog_unknown` reads 1 with a warning.
 */
const LAG_SAMPLES = 5;
/** How long a triage backlog read before a Redis error still counts: a failover's length. */
const BACKLOG_GRACE_MS = 10_000;

export interface BackpressureSettings {
  maxOutboxDepth: number;
  draftPauseBacklog: number;
  draftPauseLagMs: number;
  /** Sampling period. */
  intervalMs?: number;
  /** How long the last triage backlog read stands in when Redis cannot be read (tests shorten it). */
  backlogGraceMs?: number;
}

export function createBackpressure(
  deps: { db: Db; queues: Queues; log: Logger; registry: Registry },
  settings: BackpressureSettings,
): Backpressure {
  let shedding = false;
  let paused = false;
  let timer: NodeJS.Timeout | undefined;
  let lag: IntervalHistogram | undefined;
  let lagStreak = 0;
  const listeners: ((paused: boolean) => void)[] = [];
  const signals = { outboxPending: 0, triageWaiting: 0, lagP99Ms: 0 };
  /** When the triage backlog was last read; past the grace with no read, it is unknown. */
  let backlogReadAt = Date.now();
  let backlogUnknown = false;

  // Registered for their collect() hooks; nothing else holds them.
  new Gauge({
    name: 'deskpilot_backpressure_active',
    help: 'Back-pressure in effect in this process: draft_paused, intake_shedding (1 = on)',
    labelNames: ['signal'] as const,
    registers: [deps.registry],
    collect() {
      this.set({ signal: 'draft_paused' }, paused ? 1 : 0);
      this.set({ signal: 'intake_shedding' }, shedding ? 1 : 0);
    },
  });
  new Gauge({
    name: 'deskpilot_backpressure_input',
    help: 'What back-pressure decides on, as last sampled: outbox_pending, triage_waiting, event_loop_lag_p99_ms',
    labelNames: ['input'] as const,
    registers: [deps.registry],
    collect() {
      this.set({ input: 'outbox_pending' }, signals.outboxPending);
      this.set({ input: 'triage_waiting' }, signals.triageWaiting);
      this.set({ input: 'event_loop_lag_p99_ms' }, signals.lagP99Ms);
    },
  });
  new Gauge({
    name: 'deskpilot_backpressure_backlog_unknown',
    help: 'The triage backlog could not be read from Redis for longer than the grace (1): drafting is not paused on it',
    registers: [deps.registry],
    collect() {
      this.set(backlogUnknown ? 1 : 0);
    },
  });
  const shed = new Counter({
    name: 'deskpilot_intake_shed_total',
    help: 'Generic-webhook requests answered 429 because the outbox was past INTAKE_MAX_OUTBOX_DEPTH',
    registers: [deps.registry],
  });

  const setPaused = (next: boolean) => {
    if (next === paused) return;
    paused = next;
    deps.log.warn(
      { ...signals, paused },
      paused ? 'drafting paused: overload' : 'drafting resumed',
    );
    for (const listener of listeners) listener(paused);
  };

  /**
   * The triage backlog to decide on: read now, or the last read while within the grace, or null
   * (unknown) past it.
   */
  const readTriageBacklog = async (): Promise<number | null> => {
    try {
      signals.triageWaiting = await deps.queues.triage.getWaitingCount();
      backlogReadAt = Date.now();
      if (backlogUnknown) {
        backlogUnknown = false;
        deps.log.info({ triageWaiting: signals.triageWaiting }, 'triage backlog readable again');
      }
      return signals.triageWaiting;
    } catch (err) {
      if (Date.now() - backlogReadAt <= (settings.backlogGraceMs ?? BACKLOG_GRACE_MS)) {
        return signals.triageWaiting;
      }
      if (!backlogUnknown) {
        backlogUnknown = true;
        deps.log.warn(
          {
            err: err instanceof Error ? err.message : err,
            lastKnown: signals.triageWaiting,
            since: new Date(backlogReadAt).toISOString(),
          },
          'triage backlog unknown (Redis unreadable): drafting is not paused on it',
        );
      }
      return null;
    }
  };

  const sample = async () => {
    if (settings.maxOutboxDepth > 0) {
      // Counting stops one past the limit: the answer is bounded however large the backlog is.
      const [row] = rowsOf<{ n: number }>(
        await deps.db.execute(sql`select count(*)::int as n from (
          select 1 from outbox where state = 'pending' limit ${settings.maxOutboxDepth + 1}) t`),
      );
      signals.outboxPending = row?.n ?? 0;
      const wasShedding = shedding;
      shedding = signals.outboxPending > settings.maxOutboxDepth;
      if (shedding !== wasShedding) {
        deps.log.warn(
          { outboxPending: signals.outboxPending, limit: settings.maxOutboxDepth },
          shedding ? 'intake shedding: outbox past its limit' : 'intake shedding stopped',
        );
      }
    }
    const backlog = await readTriageBacklog();
    if (lag) {
      signals.lagP99Ms = Math.round(lag.percentile(99) / 1e6);
      lag.reset();
    }
    const { draftPauseBacklog: limit, draftPauseLagMs: lagMs } = settings;
    // One slow second (a GC pause, a neighbour on a shared machine) is not overload: the lag
    // signal counts only when it holds for LAG_SAMPLES samples in a row.
    lagStreak = lagMs > 0 && signals.lagP99Ms > lagMs ? lagStreak + 1 : 0;
    // An unknown backlog neither pauses drafting nor keeps it paused (see the top of the file).
    const over = (limit > 0 && backlog !== null && backlog > limit) || lagStreak >= LAG_SAMPLES;
    const under =
      (limit <= 0 || backlog === null || backlog <= limit / 2) &&
      (lagMs <= 0 || signals.lagP99Ms <= lagMs / 2);
    if (over) setPaused(true);
    else if (under) setPaused(false);
  };

  return {
    intakeShedding: () => shedding,
    draftPaused: () => paused,
    onDraftPausedChange: (listener) => {
      listeners.push(listener);
    },
    recordShed: () => shed.inc(),
    sample,
    start() {
      if (timer) return;
      lag = monitorEventLoopDelay({ resolution: 20 });
      lag.enable();
      timer = setInterval(() => {
        sample().catch((err) =>
          deps.log.debug(
            { err: err instanceof Error ? err.message : err },
            'back-pressure sample failed',
          ),
        );
      }, settings.intervalMs ?? 1_000);
      timer.unref();
    },
    stop() {
      clearInterval(timer);
      timer = undefined;
      lag?.disable();
    },
  };
}
