import { DelayedError, type Job, Worker } from 'bullmq';
import type { Deps } from '../deps.js';
import { workerOptions } from '../jobs/options.js';
import { type JobName, jobNames, parseJobPayload } from '../jobs/payloads.js';
import {
  createProducerConnection,
  createWorkerConnection,
  type RedisConnection,
  type RedisTarget,
  redisTarget,
} from '../jobs/redis.js';
import { processKbIndexJob } from '../kb/jobs.js';
import { raiseAlert } from '../pipeline/alerts.js';
import { processAutoSolve } from './processors/auto-solve.js';
import { processDeliver } from './processors/deliver.js';
import { processDraft } from './processors/draft.js';
import { processRetention } from './processors/retention.js';
import { processRetrain } from './processors/retrain.js';
import { processSla } from './processors/sla.js';
import { processTriage } from './processors/triage.js';
import type { ProcessorMap } from './processors/types.js';
import { processZendeskWriteback } from './processors/zendesk-writeback.js';
import { rateLimitDelayMs } from './retry-after.js';
import { waitingCounts, watchdogVerdict } from './watchdog.js';

export const defaultProcessors: ProcessorMap = {
  triage: processTriage,
  retrain: processRetrain,
  draft: processDraft,
  deliver: processDeliver,
  sla: processSla,
  retention: processRetention,
  'auto-solve': processAutoSolve,
  'zendesk-writeback': processZendeskWriteback,
  'kb-index': (deps, payload, job) =>
    processKbIndexJob(deps, payload, async () => {
      // Long re-embeds report progress so the job's lock is extended between batches.
      await job.updateProgress({ at: Date.now() });
    }),
};

export interface WorkerPool {
  /** The workers running now (the watchdog replaces a stuck one with a new one). */
  readonly workers: Worker[];
  /** Stops taking jobs and waits for the running ones (graceful drain), forcing after graceMs. */
  close(graceMs?: number): Promise<void>;
}

/** One queue's worker, with what the watchdog reads of it. */
interface Running {
  worker: Worker;
  /** Its own connection when the watchdog started it (the first workers share one). */
  connection?: RedisConnection;
  /** Jobs in the processor now, and jobs started since the watchdog's last look. */
  running: number;
  started: number;
  stuckSince: number | null;
}

export function startWorkers(
  deps: Deps,
  options: { processors?: Partial<ProcessorMap>; only?: JobName[] } = {},
): WorkerPool {
  const processors = { ...defaultProcessors, ...options.processors } as ProcessorMap;
  const names = options.only ?? jobNames;
  const target = redisTarget(deps.config);
  const workerConnection = () => {
    const connection = createWorkerConnection(target);
    connection.on('error', (err) =>
      deps.log.debug({ err: err.message }, 'redis worker connection error'),
    );
    return connection;
  };
  const shared = workerConnection();
  const current = new Map<JobName, Running>();

  function startWorker(name: JobName, connection: RedisConnection): Running {
    // What the processor counts for the watchdog; the worker joins it once built.
    const counts: Omit<Running, 'worker'> = { running: 0, started: 0, stuckSince: null };
    const worker = new Worker(
      name,
      async (job: Job, token?: string) => {
        counts.running++;
        counts.started++;
        try {
          return await processJob(job, token);
        } finally {
          counts.running--;
        }
      },
      {
        connection,
        prefix: deps.config.QUEUE_PREFIX,
        ...workerOptions(name, {
          modelConfigured: name === 'draft' ? deps.models.draftLlm !== null : undefined,
          modelSlots: deps.config.DRAFT_LLM_CONCURRENCY,
        }),
      },
    );

    async function processJob(job: Job, token?: string) {
      // Parse again on the way out: a payload written by an older release fails loudly here.
      const payload = parseJobPayload(name, job.data);
      const run = processors[name] as (d: Deps, p: typeof payload, j: Job) => Promise<unknown>;
      try {
        return await run(deps, payload, job);
      } catch (err) {
        const rateLimitedMs = token ? rateLimitDelayMs(err, job, Date.now()) : null;
        if (token && rateLimitedMs !== null) {
          deps.log.warn(
            { queue: name, jobId: job.id, delayMs: rateLimitedMs },
            'rate limited by the helpdesk; job waits for its Retry-After without using an attempt',
          );
          await job.moveToDelayed(Date.now() + rateLimitedMs, token);
          throw new DelayedError();
        }
        if (!token || !(await databaseUnreachable(deps))) throw err;
        // Postgres is down: the failure says nothing about this job, so it waits for the database
        // without using up an attempt. Attempts are a budget for the job's own problems; an
        // outage longer than that budget (a failover takes 30-60 s) would otherwise dead-letter
        // every job in flight (test/faults/postgres-outage).
        const waits = Math.max(0, (job.attemptsStarted ?? 1) - job.attemptsMade - 1);
        const delayMs = Math.min(1_000 * 2 ** waits, 30_000);
        deps.log.warn(
          { queue: name, jobId: job.id, delayMs, err: errorMessage(err) },
          'database unreachable; job waits without using an attempt',
        );
        await job.moveToDelayed(Date.now() + delayMs, token);
        throw new DelayedError();
      }
    }

    const observe = (job: Job | undefined, outcome: string) => {
      if (job?.processedOn && job.finishedOn) {
        deps.observability.jobDuration.observe(
          { queue: name, outcome },
          (job.finishedOn - job.processedOn) / 1000,
        );
      }
    };
    worker.on('completed', (job) => observe(job, 'completed'));
    worker.on('failed', (job) => observe(job, 'failed'));
    worker.on('error', (err) => deps.log.error({ err: err.message, queue: name }, 'worker error'));
    worker.on('failed', (job, err) => {
      const final = job !== undefined && isDeadLettered(job, err);
      deps.log[final ? 'error' : 'warn'](
        { queue: name, jobId: job?.id, attempts: job?.attemptsMade, err: err.message },
        final ? 'job failed permanently (dead-lettered)' : 'job failed, will retry',
      );
      if (final) void alertDeadLetter(deps, name, job);
    });
    return Object.assign(counts, { worker });
  }

  for (const name of names) current.set(name, startWorker(name, shared));
  let draftPaused = false;
  const applyDraftPause = (worker: Worker) => {
    const change = draftPaused ? worker.pause(true) : worker.resume();
    void Promise.resolve(change).catch((err: Error) =>
      deps.log.warn({ err: err.message, paused: draftPaused }, 'draft worker pause/resume failed'),
    );
  };
  // Under overload drafting stops taking jobs first (queue/backpressure.ts); running ones finish.
  if (current.has('draft')) {
    deps.backpressure.onDraftPausedChange((paused) => {
      draftPaused = paused;
      const draft = current.get('draft');
      if (draft) applyDraftPause(draft.worker);
    });
  }

  /** A stuck worker is replaced by a new one on new connections; the old one is let go. */
  function restart(name: JobName, stuckMs: number): void {
    const old = current.get(name)!;
    deps.log.error(
      { queue: name, stuckSeconds: Math.round(stuckMs / 1000) },
      'worker took no job while jobs waited; restarting it on new Redis connections',
    );
    deps.observability.workerRestarts.inc({ queue: name });
    const connection = workerConnection();
    const entry = startWorker(name, connection);
    entry.connection = connection;
    current.set(name, entry);
    if (name === 'draft' && draftPaused) applyDraftPause(entry.worker);
    // Its running jobs may finish (graceful close); on a dead connection close() never returns,
    // so after a while it is forced, and what it held is rerun by the stalled-job check.
    void retire(old, 30_000);
  }

  const stopWatchdog = startWatchdog(deps, target, current, restart);
  return {
    get workers() {
      return [...current.values()].map((entry) => entry.worker);
    },
    async close(graceMs = 10_000) {
      stopWatchdog();
      // Graceful: let running jobs finish. If Redis is unreachable, close() would wait for it
      // forever, so after the grace period the workers are force-closed; their jobs stay in
      // Redis as active and are picked up again as stalled by the next worker.
      await Promise.all([...current.values()].map((entry) => retire(entry, graceMs)));
      shared.disconnect();
    },
  };

  async function retire(entry: Running, graceMs: number): Promise<void> {
    const drained = await raceTimeout(entry.worker.close(), graceMs);
    if (!drained) {
      deps.log.warn(
        { graceMs, queue: entry.worker.name },
        'worker did not drain in time; forcing close',
      );
      await raceTimeout(entry.worker.close(true), 2_000);
    }
    entry.connection?.disconnect();
  }
}

/** Resolves true when `work` settled within ms, false when the time ran out first. */
async function raceTimeout(work: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([work.then(() => true), expired]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Looks at every worker each WORKER_WATCHDOG_SECONDS / 3 (see queue/watchdog.ts); returns its stop
 * function. Its own connection fails fast, and is replaced when a look gets no answer.
 */
function startWatchdog(
  deps: Deps,
  target: RedisTarget,
  current: Map<JobName, Running>,
  restart: (name: JobName, stuckMs: number) => void,
): () => void {
  const stallMs = deps.config.WORKER_WATCHDOG_SECONDS * 1000;
  if (stallMs === 0) return () => {};
  const lookMs = Math.max(500, Math.round(stallMs / 3));
  const probe = () => {
    const connection = createProducerConnection(target);
    connection.on('error', () => {});
    return connection;
  };
  let redis = probe();
  let looking = false;
  const timer = setInterval(() => {
    if (looking) return;
    looking = true;
    void look().finally(() => {
      looking = false;
    });
  }, lookMs);
  timer.unref();

  async function look(): Promise<void> {
    const keys = [...current.keys()].map((name) => {
      const queue = deps.queues[name];
      return { name, wait: queue.toKey('wait'), prioritized: queue.toKey('prioritized') };
    });
    const counts = await waitingCounts(redis, keys, Math.min(5_000, lookMs));
    if (!counts) {
      redis.disconnect();
      redis = probe();
    }
    const now = Date.now();
    for (const [name, entry] of current) {
      const verdict = watchdogVerdict(
        entry.stuckSince,
        {
          waiting: counts ? (counts.get(name) ?? 0) : null,
          paused: entry.worker.isPaused(),
          running: entry.running,
          concurrency: entry.worker.concurrency,
          started: entry.started,
        },
        now,
        stallMs,
      );
      entry.started = 0;
      entry.stuckSince = verdict.stuckSince;
      if (verdict.restart) restart(name, now - (verdict.stuckSince ?? now));
    }
  }

  return () => {
    clearInterval(timer);
    redis.disconnect();
  };
}

const errorMessage = (err: unknown) => (err instanceof Error ? err.message : String(err));

/** True when Postgres does not answer a ping within 2 s. */
async function databaseUnreachable(deps: Deps): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      deps.database.ping(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error('ping timed out')), 2_000);
      }),
    ]);
    return false;
  } catch {
    return true;
  } finally {
    clearTimeout(timer);
  }
}

/** No retry is coming: attempts used up, an UnrecoverableError, or BullMQ finished the job. */
function isDeadLettered(job: Job, err: Error): boolean {
  return (
    job.attemptsMade >= (job.opts.attempts ?? 1) ||
    err.name === 'UnrecoverableError' ||
    Boolean(job.finishedOn)
  );
}

/**
 * A dead-lettered job is work nobody will do unless a human looks: tell the team, with the ids the
 * payload carries (payloads hold ids only, so the alert holds no customer text).
 */
async function alertDeadLetter(deps: Deps, name: JobName, job: Job): Promise<void> {
  const id = (key: string) => {
    const value = (job.data as Record<string, unknown> | undefined)?.[key];
    return typeof value === 'string' ? value : undefined;
  };
  await raiseAlert(deps, {
    kind: 'job_dead_lettered',
    summary: `A ${name} job (${job.id}) failed ${job.attemptsMade} time(s) and was dead-lettered; retry or resolve it in /admin/queues`,
    ticketId: id('ticketId'),
    draftId: id('draftId'),
    deliveryId: id('deliveryId'),
  }).catch((err) =>
    deps.log.warn({ err: err instanceof Error ? err.message : err }, 'dead-letter alert failed'),
  );
}
