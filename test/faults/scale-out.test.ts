import { writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresClient } from '../../src/db/client.js';
import { rowsOf } from '../../src/db/rows.js';
import { faultTestsCanRun } from '../support/db.js';
import { DisposablePrimaryReplica } from '../support/pg-replica.js';
import { cpuSeconds } from '../support/proc.js';
import { DisposableRedisCluster } from '../support/redis-cluster.js';
import { cleanInvariants, invariantsOf } from './support/invariants.js';
import { ProcessPipeline } from './support/pipeline.js';
import type { ServiceProcess } from './support/service.js';

const BIN = process.env.PG_BIN ?? '/usr/lib/postgresql/15/bin';
/** Tickets of the throughput phase (all drafted before the faults start). */
const THROUGHPUT_TICKETS = Number(process.env.SCALE_TICKETS ?? 120);
/** Webhooks in flight at once during the throughput phase (senders in parallel). */
const SENDERS = 8;
/** Tickets before the measured burst: every process's first requests and jobs (JIT, models). */
const WARM_UP = 2 * SENDERS;

const percentile = (sorted: number[], p: number) =>
  sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Issue #18 goal 5: the service scaled out on existing engines — 2 api and 3 worker processes
 * (the production entry points) against one Postgres primary with a streaming read replica (both
 * made here with initdb and pg_basebackup) and a three-master Redis Cluster started here.
 *
 * 1. Faults: a worker is SIGKILLed and the master holding the queues' slot is SIGKILLed and
 *    restarted. Every ticket is drafted and answered once: 0 lost, 0 duplicate emails (real SMTP
 *    sink), 0 duplicate Zendesk replies.
 * 2. Throughput, the killed worker replaced: a burst of webhooks through both api processes;
 *    tickets drafted per second across the three workers, webhook p99, and CPU per ticket of each
 *    role and of both Postgres servers (the per-core figures), printed as one JSON line.
 *
 * Throughout, the agent lists tickets and drafts and the manager reads the metrics through the
 * api processes (DATABASE_REPLICA_URL): the replica's pg_stat_statements shows those reads served
 * there, and no listing after the agent's own approval showed the approved draft again.
 */
describe.skipIf(!faultTestsCanRun())('scale-out on a Redis Cluster and a read replica', () => {
  let pair: DisposablePrimaryReplica;
  let cluster: DisposableRedisCluster;
  let pipeline: ProcessPipeline;
  let apis: ServiceProcess[];
  let workers: ServiceProcess[];

  beforeAll(async () => {
    try {
      pair = await DisposablePrimaryReplica.start({
        settings: ["shared_preload_libraries = 'pg_stat_statements'", 'max_connections = 200'],
      });
    } catch (err) {
      // Loud, not skipped: without the replica this run would prove half of what it claims.
      throw new Error(
        `bench:scale could not set up a streaming read replica (initdb and pg_basebackup from ${BIN}, PG_BIN to change; as root they run as the postgres user): ${(err as Error).message}`,
      );
    }
    const database = await pair.createDatabase('deskpilot_scale', ['pg_stat_statements']);
    cluster = await DisposableRedisCluster.start(3);
    pipeline = await ProcessPipeline.start({
      redisUrl: `redis://127.0.0.1:${cluster.ports[0]}`,
      redisCluster: true,
      database,
      // The agent and the manager read often from one address; the limits are tested elsewhere.
      env: { RATE_LIMIT_API_PER_IP: '1000000', RATE_LIMIT_API_PER_KEY: '1000000' },
    });
    const replica = { DATABASE_REPLICA_URL: pair.url('replica', 'deskpilot_scale') };
    apis = [
      await pipeline.spawn('api', replica),
      await pipeline.spawn('api', replica, { separatePort: true }),
    ];
    workers = await Promise.all([0, 1, 2].map(() => pipeline.spawn('worker')));
  }, 300_000);
  afterAll(async () => {
    // SCALE_LOG_DIR: every process's output, to see what a failed run's processes did.
    const logDir = process.env.SCALE_LOG_DIR;
    if (logDir && pipeline) {
      for (const [i, p] of pipeline.processes.entries()) {
        writeFileSync(path.join(logDir, `scale-${i}-${p.role}.log`), p.output);
      }
    }
    await pipeline?.stop();
    await cluster?.stop();
    await pair?.stop();
  });

  it('2 api + 3 workers: a worker and a Redis master killed mid-run, 0 lost, 0 duplicated; then throughput; lists from the replica', async () => {
    // The agent and the manager, reading the queue, lists and metrics through the api processes
    // (paused while the measured burst is posted, so its webhook and api CPU figures are intake's).
    let reading = true;
    let paused = false;
    const reads = { ok: 0, failed: 0 };
    const reader = (async () => {
      while (reading) {
        for (const [url, as] of [
          ['/api/drafts?limit=25', 'agent'],
          ['/api/tickets?limit=50', 'agent'],
          ['/api/metrics/summary', 'manager'],
          ['/api/metrics/by-category', 'manager'],
        ] as const) {
          if (paused) break;
          const res = await pipeline.api('GET', url, undefined, as).catch(() => null);
          if (res?.status === 200) reads.ok++;
          else reads.failed++;
          await res?.body?.cancel();
        }
        await sleep(500);
      }
    })();

    // 1. Faults: a worker and the queues' Redis master die while webhooks keep coming.
    const total = 30;
    const statuses: number[] = [];
    const owner = await cluster.masterOf(`${pipeline.queuePrefix}:triage:meta`);
    for (let i = 0; i < total; i++) {
      if (i === 10) await workers[0]!.kill('SIGKILL');
      if (i === 15) await cluster.kill(owner);
      if (i === 20) await cluster.restart(owner);
      // Alternates between the two api processes (a round-robin load balancer).
      statuses.push((await pipeline.post(i)).status);
    }
    // Intake does not need Redis: every webhook was accepted, the master's outage included.
    expect(statuses).toEqual(Array(total).fill(202));

    await pipeline.approveUntil(
      (r) =>
        r.tickets === total &&
        r.undrafted === 0 &&
        Object.values(r.deliveries).reduce((a, b) => a + b, 0) === total,
      // The killed worker's jobs run again once their locks expire (up to 150 s for a draft).
      300_000,
    );
    // Every ticket can be answered while the killed worker's own draft jobs still hold their
    // locks (150 s, then the stalled check): settling waits for those to run again and finish.
    await pipeline.settle(240_000);
    const report = await pipeline.report();
    expect(invariantsOf(report)).toEqual(cleanInvariants);
    expect(report.tickets).toBe(total);
    expect(report.deliveries).toEqual({ sent: total });
    expect(report.emailsDuplicated).toBe(0);
    expect(report.emailsMissing).toBe(0);
    expect(report.emailsSent + report.zendeskReplies).toBe(total);
    expect(report.zendeskDuplicated).toBe(0);
    expect(report.deadLettered).toBe(0);

    // 2. Throughput, with three workers again (the killed one replaced). A warm-up (the new
    // worker's first jobs: JIT, models, prepared statements), then a measured burst through both
    // api processes, drafted by the three workers.
    workers[0] = await pipeline.spawn('worker');
    const send = async (from: number, to: number, latencies: number[] = []) => {
      const statuses: number[] = [];
      let next = from;
      await Promise.all(
        Array.from({ length: SENDERS }, async () => {
          for (let i = next++; i < to; i = next++) {
            const started = performance.now();
            statuses.push((await pipeline.post(i)).status);
            latencies.push(performance.now() - started);
          }
        }),
      );
      expect(statuses).toEqual(Array(to - from).fill(202));
    };
    /** Tickets created since `since` with a draft, and seconds from the first one to the last draft. */
    const drafted = async (since: string) => {
      const [row] = rowsOf<{ tickets: number; drafted: number; seconds: number | null }>(
        await pipeline.testDb.db.execute(sql`
          select count(*)::int as tickets, count(d.first_draft)::int as drafted,
                 extract(epoch from max(d.first_draft) - min(t.created_at))::float8 as seconds
          from tickets t
          left join (select ticket_id, min(created_at) as first_draft from drafts
                     group by ticket_id) d on d.ticket_id = t.id
          where t.created_at >= ${since}::timestamptz`),
      );
      return row!;
    };
    const allDrafted = async (since: string, count: number) => {
      const deadline = Date.now() + 300_000;
      for (let done = await drafted(since); ; done = await drafted(since)) {
        if (done.drafted >= count) return done;
        if (Date.now() > deadline) throw new Error(`not drafted: ${JSON.stringify(done)}`);
        await sleep(250);
      }
    };
    const warmUpSince = new Date().toISOString();
    await send(total, total + WARM_UP);
    await allDrafted(warmUpSince, WARM_UP);

    const burstSince = new Date().toISOString();
    const cpuOf = () => ({
      api: apis.reduce((s, p) => s + cpuSeconds(p.pid), 0),
      workers: workers.reduce((s, p) => s + cpuSeconds(p.pid), 0),
      primary: pair.cpuSeconds('primary'),
      replica: pair.cpuSeconds('replica'),
    });
    const latencies: number[] = [];
    paused = true;
    const before = cpuOf();
    await send(total + WARM_UP, total + WARM_UP + THROUGHPUT_TICKETS, latencies);
    const apiCpu = cpuOf().api - before.api;
    paused = false;
    const done = await allDrafted(burstSince, THROUGHPUT_TICKETS);
    const after = cpuOf();
    const cpu = {
      workers: after.workers - before.workers,
      primary: after.primary - before.primary,
      replica: after.replica - before.replica,
    };
    const loadDuringBurst = loadavg();
    reading = false;
    await reader;
    // Nothing of the burst lost or done twice (its drafts stay pending: no agent approves them).
    const afterBurst = await pipeline.report();
    expect(afterBurst.lostTickets).toBe(0);
    expect(afterBurst.duplicateTickets).toBe(0);
    expect(afterBurst.triagedTwice).toBe(0);
    expect(afterBurst.draftedTwice).toBe(0);

    // The replica served the lists and the metrics; the agent never saw its own approval undone.
    const onReplica = await replicaStatements(pair.url('replica', 'deskpilot_scale'));
    const sorted = [...latencies].sort((a, b) => a - b);
    const line = {
      bench: 'scale',
      processes: { api: apis.length, worker: workers.length },
      tickets: THROUGHPUT_TICKETS,
      warmUpTickets: WARM_UP,
      senders: SENDERS,
      draftedPerSecond: round(THROUGHPUT_TICKETS / (done.seconds ?? Number.NaN)),
      webhookP50Ms: Math.round(percentile(sorted, 0.5)),
      webhookP99Ms: Math.round(percentile(sorted, 0.99)),
      // Per core, from CPU time (what a shared machine's noise does not change).
      workerCpuMsPerTicket: round((cpu.workers * 1000) / THROUGHPUT_TICKETS),
      ticketsPerWorkerCoreSecond: round(THROUGHPUT_TICKETS / cpu.workers),
      apiCpuMsPerWebhook: round((apiCpu * 1000) / THROUGHPUT_TICKETS),
      webhooksPerApiCoreSecond: Math.round(THROUGHPUT_TICKETS / apiCpu),
      primaryCpuMsPerTicket: round((cpu.primary * 1000) / THROUGHPUT_TICKETS),
      replicaCpuMsPerTicket: round((cpu.replica * 1000) / THROUGHPUT_TICKETS),
      replicaStatements: onReplica,
      reads,
      staleListings: pipeline.staleListings,
      loadAverage: loadDuringBurst.map((l) => round(l, 2)),
    };
    console.log(JSON.stringify(line));
    expect(onReplica.pendingDrafts).toBeGreaterThan(0);
    expect(onReplica.ticketList).toBeGreaterThan(0);
    expect(onReplica.metrics).toBeGreaterThan(0);
    expect(pipeline.staleListings).toBe(0);
  }, 900_000);
});

/**
 * Statements the replica ran in the bench's database (pg_stat_statements), by what they read: the
 * metrics facts, the pending-drafts queue, the ticket list; its own lag polls left out.
 */
async function replicaStatements(url: string) {
  const replica = postgresClient(url, { max: 1, onnotice: () => {} });
  try {
    const rows = await replica<{ query: string; calls: string }[]>`
      select query, calls from pg_stat_statements
      where dbid = (select oid from pg_database where datname = current_database())`;
    const counts = { metrics: 0, pendingDrafts: 0, ticketList: 0, other: 0 };
    for (const { query, calls } of rows) {
      if (/pg_last_wal_replay_lsn|pg_stat_statements/.test(query)) continue;
      const key = /ticket_metrics/.test(query)
        ? 'metrics'
        : /from "drafts"/.test(query)
          ? 'pendingDrafts'
          : /from "tickets"/.test(query)
            ? 'ticketList'
            : 'other';
      counts[key] += Number(calls);
    }
    return counts;
  } finally {
    await replica.end({ timeout: 2 });
  }
}
