import { DelayedError, type Job, Worker } from 'bullmq';
import type { Deps } from '../deps.js';
import { workerOptions } from '../jobs/options.js';
import { type JobName, jobNames, parseJobPayload } from '../jobs/payloads.js';
import { createWorkerConnection, redisTarget } from '../jobs/redis.js';
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
  workers: Worker[];
  /** Stops taking jobs and waits for the running ones (graceful drain), forcing after graceMs. */
  close(graceMs?: number): Promise<void>;
}

export function startWorkers(
  deps: Deps,
  options: { processors?: Partial<ProcessorMap>; only?: JobName[] } = {},
): WorkerPool {
  const processors = { ...defaultProcessors, ...options.processors } as ProcessorMap;
  const names = options.only ?? jobNames;
  const connection = createWorkerConnection(redisTarget(deps.config));
  connection.on('error', (err) =>
    deps.log.debug({ err: err.message }, 'redis worker connection error'),
  );
  const workers = names.map((name) => {
    const worker = new Worker(
      name,
      async (job: Job, token?: string) => {
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
    return worker;
  });
  // Under overload drafting stops taking jobs first (queue/backpressure.ts); running ones finish.
  const draftWorker = workers.find((w) => w.name === 'draft');
  if (draftWorker) {
    deps.backpressure.onDraftPausedChange((paused) => {
      const change = paused ? draftWorker.pause(true) : draftWorker.resume();
      void Promise.resolve(change).catch((err: Error) =>
        deps.log.warn({ err: err.message, paused }, 'draft worker pause/resume failed'),
      );
    });
  }
  return {
    workers,
    async close(graceMs = 10_000) {
      // Graceful: let running jobs finish. If Redis is unreachable, close() would wait for it
      // forever, so after the grace period the workers are force-closed; their jobs stay in
      // Redis as active and are picked up again as stalled by the next worker.
      let timer: NodeJS.Timeout | undefined;
      const graceful = Promise.all(workers.map((w) => w.close())).then(() => true);
      const expired = new Promise<false>((resolve) => {
        timer = setTimeout(() => resolve(false), graceMs);
      });
      const drained = await Promise.race([graceful, expired]);
      clearTimeout(timer);
      if (!drained) {
        deps.log.warn({ graceMs }, 'workers did not drain in time; forcing close');
        await Promise.race([
          Promise.all(workers.map((w) => w.close(true))),
          new Promise((resolve) => setTimeout(resolve, 2_000)),
        ]);
      }
      connection.disconnect();
    },
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
