import type { JobsOptions, WorkerOptions } from 'bullmq';
import type { JobName } from './payloads.js';

export interface QueueConfig {
  /** Parallel jobs per worker process. */
  concurrency: number;
  /**
   * Parallel jobs when the step has no local model configured (drafting without DRAFT_LLM is
   * extractive: a few queries and some string work, no model context to share).
   */
  concurrencyWithoutModel?: number;
  /** Longer than the slowest legitimate run, or BullMQ declares the job stalled and reruns it. */
  lockDuration: number;
  job: JobsOptions;
}

const DAY = 24 * 3600;

/**
 * A job's retries and how long BullMQ keeps it: `attempts` tries with exponential backoff from
 * `delay` ms. Completed jobs are kept (`completedCount` at most, 100k unless said) so that a
 * re-enqueued outbox row (same job id) is ignored; failed jobs are the dead-letter record, kept for
 * inspection in /admin/queues.
 */
function retries(
  attempts: number,
  delay: number,
  keep: { completedDays: number; completedCount?: number; failedDays: number },
): JobsOptions {
  return {
    attempts,
    backoff: { type: 'exponential', delay },
    removeOnComplete: { age: keep.completedDays * DAY, count: keep.completedCount ?? 100_000 },
    removeOnFail: { age: keep.failedDays * DAY },
  };
}

/** Queue and worker options are data; each number says why it is what it is. */
export const queueConfigs: Record<JobName, QueueConfig> = {
  triage: {
    // Triage is CPU-light (linear classifier) unless the LLM tier runs; 8 keeps the DB busy
    // without starving the event loop on a 2-core box.
    concurrency: 8,
    // The LLM tier has a 30 s generation timeout; 60 s leaves room for loading the model once.
    lockDuration: 60_000,
    job: retries(5, 1_000, { completedDays: 1, failedDays: 7 }),
  },
  draft: {
    // An LLM draft holds a model slot for seconds to minutes on CPU. With a model configured the
    // worker runs DRAFT_LLM_CONCURRENCY jobs (default 2), one per slot of the generator (a GGUF's
    // context sequences, a server's parallel requests), so no job waits on the model's queue
    // while its lock runs down.
    concurrency: 2,
    // Extractive drafting is ~50 ms of queries and string work, mostly waiting on Postgres: at 2
    // it capped a worker at ~8 drafts/s while triage ran at 45/s (bench:soak, 100 rps).
    concurrencyWithoutModel: 8,
    // Above the generator's 90 s timeout plus retrieval.
    lockDuration: 150_000,
    job: retries(4, 5_000, { completedDays: 1, failedDays: 14 }),
  },
  deliver: {
    // SMTP and Zendesk calls are I/O-bound; the per-recipient cap and exactly-once bookkeeping
    // happen in Postgres, so more concurrency is safe.
    concurrency: 8,
    // SMTP timeouts are 30 s; Zendesk calls can wait out a 60 s Retry-After.
    lockDuration: 120_000,
    // Transient failures retry with backoff (about an hour in total), then dead-letter with an alert.
    job: retries(8, 15_000, { completedDays: 7, failedDays: 30 }),
  },
  sla: {
    concurrency: 4,
    lockDuration: 30_000,
    job: retries(5, 10_000, { completedDays: 1, failedDays: 7 }),
  },
  retrain: {
    // One at a time: training is CPU-bound and two concurrent runs would both store a version.
    concurrency: 1,
    // Training 10k examples takes well under a minute on 2 cores.
    lockDuration: 180_000,
    job: retries(3, 10_000, { completedDays: 1, completedCount: 1_000, failedDays: 7 }),
  },
  'zendesk-writeback': {
    // Zendesk's API allows ~700 requests/min on most plans; each write-back makes up to 7 calls
    // (tags, group lookup, ticket, audits before a write, update, audits for the note's key, note),
    // 3 more per safe-update conflict.
    concurrency: 4,
    // The client may wait out a 429 Retry-After (bounded at 60 s) inside one attempt.
    lockDuration: 120_000,
    job: retries(8, 5_000, { completedDays: 1, failedDays: 14 }),
  },
  'kb-index': {
    // Embedding is CPU-bound and runs on the event loop (hashed) or a native thread pool
    // (ONNX/GGUF); two at a time keeps search latency steady on a 2-core box.
    concurrency: 2,
    // A re-embed pass processes batches until its model is complete; each batch takes well under
    // a minute even for a GGUF model on CPU, and the job extends its lock between batches.
    lockDuration: 120_000,
    job: retries(5, 2_000, { completedDays: 1, failedDays: 7 }),
  },
  'auto-solve': {
    // One pass at a time; a pass locks its tickets (skip locked), so a second one would only wait.
    concurrency: 1,
    lockDuration: 60_000,
    job: retries(3, 60_000, { completedDays: 7, completedCount: 200, failedDays: 30 }),
  },
  retention: {
    // One run at a time: two would walk the same tickets (harmless, but twice the load).
    concurrency: 1,
    // A run reports progress after every batch, which extends the lock; one batch takes seconds.
    lockDuration: 120_000,
    job: retries(3, 60_000, { completedDays: 30, completedCount: 100, failedDays: 30 }),
  },
};

export function workerOptions(
  name: JobName,
  options: {
    modelConfigured?: boolean;
    /** The model's slots when one is configured (DRAFT_LLM_CONCURRENCY), instead of the default. */
    modelSlots?: number;
  } = {},
): Pick<WorkerOptions, 'concurrency' | 'lockDuration'> {
  const cfg = queueConfigs[name];
  const concurrency =
    options.modelConfigured === false && cfg.concurrencyWithoutModel !== undefined
      ? cfg.concurrencyWithoutModel
      : options.modelConfigured && options.modelSlots !== undefined
        ? options.modelSlots
        : cfg.concurrency;
  return { concurrency, lockDuration: cfg.lockDuration };
}
