import { sql } from 'drizzle-orm';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { type Db, databaseRoundTrips } from '../db/client.js';
import { rowsOf } from '../db/rows.js';
import type { Queues } from '../jobs/queues.js';

/**
 * Prometheus metrics for operators (prom-client). One registry per process, built with the other
 * dependencies; values that live elsewhere (queue depth in Redis, drafts by status in Postgres)
 * are read when Prometheus scrapes, so nothing has to keep them in sync.
 */
export interface Observability {
  registry: Registry;
  httpDuration: Histogram<'method' | 'route' | 'status'>;
  jobDuration: Histogram<'queue' | 'outcome'>;
  modelLatency: Histogram<'step' | 'model'>;
  modelTokens: Counter<'step' | 'model' | 'kind'>;
  outboxRequeued: Counter;
  workerRestarts: Counter<'queue'>;
}

export function createObservability(db: Db, queues: Queues): Observability {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'deskpilot_' });
  const httpDuration = new Histogram({
    name: 'deskpilot_http_request_duration_seconds',
    help: 'HTTP request duration by route and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const jobDuration = new Histogram({
    name: 'deskpilot_job_duration_seconds',
    help: 'BullMQ job processing time by queue and outcome',
    labelNames: ['queue', 'outcome'] as const,
    buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60, 180],
    registers: [registry],
  });
  const modelLatency = new Histogram({
    name: 'deskpilot_model_call_duration_seconds',
    help: 'Model call latency by pipeline step and model',
    labelNames: ['step', 'model'] as const,
    buckets: [0.0001, 0.001, 0.01, 0.1, 0.5, 1, 5, 15, 60, 120],
    registers: [registry],
  });
  const modelTokens = new Counter({
    name: 'deskpilot_model_tokens_total',
    help: 'Tokens processed by model calls',
    labelNames: ['step', 'model', 'kind'] as const,
    registers: [registry],
  });
  const outboxRequeued = new Counter({
    name: 'deskpilot_outbox_requeued_total',
    help: 'Relayed outbox rows whose job Redis had lost (crash, failover), handed over again',
    registers: [registry],
  });
  const workerRestarts = new Counter({
    name: 'deskpilot_worker_restarts_total',
    help: 'Workers the watchdog replaced because they took no job while jobs waited',
    labelNames: ['queue'] as const,
    registers: [registry],
  });
  new Gauge({
    name: 'deskpilot_queue_jobs',
    help: 'Jobs per queue and state (read from Redis at scrape time)',
    labelNames: ['queue', 'state'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      await Promise.all(
        Object.entries(queues).map(async ([name, queue]) => {
          const counts = await queue
            .getJobCounts('waiting', 'active', 'delayed', 'failed', 'completed')
            .catch(() => null);
          for (const [state, n] of Object.entries(counts ?? {}))
            this.set({ queue: name, state }, n);
        }),
      );
    },
  });
  new Gauge({
    name: 'deskpilot_drafts',
    help: 'Drafts by status (read from Postgres at scrape time)',
    labelNames: ['status'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      const rows = rowsOf<{ status: string; n: number }>(
        await db.execute(sql`select status, count(*)::int as n from drafts group by status`),
      );
      for (const row of rows) this.set({ status: row.status }, row.n);
    },
  });
  new Counter({
    name: 'deskpilot_db_statements_total',
    help: 'Statements sent to Postgres (transactions count their BEGIN and COMMIT)',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(databaseRoundTrips());
    },
  });
  new Gauge({
    name: 'deskpilot_outbox_pending',
    help: 'Outbox rows not yet handed to Redis',
    registers: [registry],
    async collect() {
      const [row] = rowsOf<{ n: number }>(
        await db.execute(sql`select count(*)::int as n from outbox where state = 'pending'`),
      );
      this.set(row?.n ?? 0);
    },
  });
  return {
    registry,
    httpDuration,
    jobDuration,
    modelLatency,
    modelTokens,
    outboxRequeued,
    workerRestarts,
  };
}

/** Records one model call (the same facts as its ai_interactions row). */
export function observeModelCall(
  o: Observability | undefined,
  call: {
    step: string;
    model: string;
    latencyMs: number;
    promptTokens?: number | null;
    completionTokens?: number | null;
  },
): void {
  if (!o) return;
  o.modelLatency.observe({ step: call.step, model: call.model }, call.latencyMs / 1000);
  if (call.promptTokens)
    o.modelTokens.inc({ step: call.step, model: call.model, kind: 'prompt' }, call.promptTokens);
  if (call.completionTokens) {
    o.modelTokens.inc(
      { step: call.step, model: call.model, kind: 'completion' },
      call.completionTokens,
    );
  }
}
