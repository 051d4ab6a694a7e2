/**
 * bench:ingest — signed Zendesk webhooks against the real service (separate process, real Postgres
 * and Redis), compared with the same intake transaction issued directly through postgres.js.
 * Prints one JSON line. Env: BENCH_DATABASE_URL (admin URL, default local postgres), REDIS_URL,
 * BENCH_SECONDS (default 15), BENCH_CONNECTIONS (default 20), BENCH_RATE_LIMIT (webhook requests
 * per client address per window; default: counted in Redis as in production, but above what one
 * run sends, since every request here comes from 127.0.0.1; 0 switches the limiter off).
 *
 * What runs: one service process with the api role, as `npm run start:api` starts it: HTTP, rate
 * limiter, intake. An api-only process does not relay the outbox (workers do), so after the load a
 * relay like a worker's, in this process, moves the triage rows to BullMQ: the bench checks that
 * every accepted webhook reached the queue and prints how fast the relay drained them. No workers
 * consume the jobs; the bench removes its queue prefix afterwards. The ceiling calls
 * acceptDelivery from this process, 32 at a time, pool 20: no HTTP.
 *
 * HTTP and ceiling are measured in alternating rounds (BENCH_ROUNDS, default 3), so that both see
 * the same background load; rps and ceilingRps are totals over the rounds, ratioRounds each
 * round's own ratio. BENCH_PROFILE_DIR=<dir> writes a V8 CPU profile of the service process there.
 * The 1-minute load average before and after is printed because the machine is shared.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import autocannon from 'autocannon';
import { sql } from 'drizzle-orm';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { createDatabase, postgresClient } from '../src/db/client.js';
import { rowsOf } from '../src/db/rows.js';
import { acceptDelivery } from '../src/ingest/intake.js';
import { normalizeZendeskEvent } from '../src/ingest/zendesk/normalize.js';
import { zendeskEventSchema } from '../src/ingest/zendesk/payload.js';
import { signZendesk } from '../src/ingest/zendesk/signature.js';
import { closeQueues, createQueues } from '../src/jobs/queues.js';
import { createProducerConnection } from '../src/jobs/redis.js';
import { startOutboxRelay } from '../src/queue/outbox-relay.js';

const adminUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const seconds = Number(process.env.BENCH_SECONDS ?? 15);
/**
 * Webhooks in flight. The api process saturates its core at about 20: more only wait in its event
 * loop and the run measures that queue instead of the service (2026-11-26, quiet machine: 32 gave
 * the same 1,430–1,460 rps at p99 39–60 ms; 20 gave 1,290–1,410 rps at p99 26–31 ms; 16 gave fewer
 * rps). The ceiling keeps 32: it has no HTTP in front and is measured at its best.
 */
const connections = Number(process.env.BENCH_CONNECTIONS ?? 20);
const ceilingConcurrency = 32;
const warmupSeconds = 3;
const rounds = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 3));
const rateLimit = process.env.BENCH_RATE_LIMIT ?? '100000000';
const secret = 'bench-secret';
const queuePrefix = 'bench-ingest';
const dbName = 'deskpilot_bench_ingest';
const port = 3900 + Math.floor(Math.random() * 90);

const dbUrl = (() => {
  const u = new URL(adminUrl);
  u.pathname = `/${dbName}`;
  return u.toString();
})();

function event(n: number) {
  const id = String(10_000_000 + n);
  return {
    type: 'zen:event-type:ticket.created',
    id: randomUUID(),
    time: new Date().toISOString(),
    subject: `zen:ticket:${id}`,
    detail: {
      id,
      subject: 'I was charged twice for my subscription',
      description:
        'Hello, my card was charged twice this month for the same plan. Please refund the extra charge. Thanks, Sam',
      status: 'NEW',
      requester_id: '123456',
      tags: ['billing'],
      via: { channel: 'email' },
    },
    event: {},
  };
}

async function resetDatabase() {
  const admin = postgresClient(adminUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
  await admin.unsafe(`CREATE DATABASE ${dbName}`);
  await admin.end();
  const db = await createDatabase({ url: dbUrl, poolMax: 1 });
  await db.migrate();
  await db.close();
}

async function startService() {
  const profile = process.env.BENCH_PROFILE_DIR
    ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE_DIR}`]
    : [];
  const child = spawn(
    process.execPath,
    [...profile, '--import', 'tsx', 'src/main.ts', '--role', 'api'],
    {
      env: {
        ...process.env,
        DATABASE_URL: dbUrl,
        REDIS_URL: redisUrl,
        PORT: String(port),
        HOST: '127.0.0.1',
        LOG_LEVEL: 'warn',
        ZENDESK_WEBHOOK_SECRETS: secret,
        QUEUE_PREFIX: queuePrefix,
        DATABASE_POOL_MAX: '20',
        NODE_ENV: 'production',
        RATE_LIMIT_WEBHOOKS_PER_IP: rateLimit,
        RATE_LIMIT_WEBHOOKS_PER_KEY: rateLimit,
      },
      stdio: ['ignore', 'inherit', 'inherit'],
    },
  );
  for (let i = 0; i < 200; i++) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/readyz`);
      if (res.ok) return child;
    } catch {}
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGKILL');
  throw new Error('service did not become ready');
}

/**
 * A short warm-up measures the rate, then a fixed number of requests (≈ rate × duration) is sent:
 * with a fixed amount every response is awaited, so accepted can be compared with rows written.
 */
/** Each delivery is a new Zendesk ticket: the id must never repeat across runs of driveHttp. */
let nextTicket = 0;

async function driveHttp(amount?: number, duration = 2) {
  let accepted = 0;
  // autocannon notices that `amount` is reached only on its 1-second tick, so its own duration
  // (and a clock around the call) overstate the time by up to a second: time the requests instead.
  let firstSent = 0;
  let lastAnswered = 0;
  const result = await autocannon({
    url: `http://127.0.0.1:${port}`,
    connections,
    ...(amount ? { amount } : { duration }),
    requests: [
      {
        method: 'POST',
        path: '/webhooks/zendesk',
        setupRequest: (req) => {
          firstSent ||= performance.now();
          const body = JSON.stringify(event(nextTicket++));
          const ts = new Date().toISOString();
          return {
            ...req,
            body,
            headers: {
              'content-type': 'application/json',
              'x-zendesk-webhook-signature': signZendesk(secret, ts, body),
              'x-zendesk-webhook-signature-timestamp': ts,
            },
          };
        },
        onResponse: (status) => {
          lastAnswered = performance.now();
          if (status === 202) accepted++;
        },
      },
    ],
  });
  return { result, accepted, seconds: (lastAnswered - firstSent) / 1000 };
}

/**
 * CPU time (user + system) a process has used, in ms, from /proc (Linux). Throughput on a shared
 * 2-core machine moves with whatever else runs; CPU per request moves much less, so it shows
 * whether a change made intake cheaper even when rps cannot.
 */
function cpuMsOf(pid: number | undefined): { user: number; system: number } | undefined {
  if (!pid) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime are fields 14 and 15 of stat (11 and 12 after the command name), in ticks.
    return { user: Number(fields[11]) * 10, system: Number(fields[12]) * 10 };
  } catch {
    return undefined;
  }
}

const perRequest = (ms: number | undefined, n: number) =>
  ms === undefined || n === 0 ? undefined : Math.round((ms / n) * 1000) / 1000;

/** The same transaction without HTTP: what Postgres alone can absorb on this machine. */
async function openCeiling() {
  const db = await createDatabase({ url: dbUrl, poolMax: 20 });
  let n = 5_000_000;
  const run = async (ms: number) => {
    const cpuBefore = process.cpuUsage();
    const first = n;
    const deadline = Date.now() + ms;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: ceilingConcurrency }, async () => {
        while (Date.now() < deadline) {
          const parsed = zendeskEventSchema.parse(event(n++));
          await acceptDelivery(db.db, normalizeZendeskEvent(parsed, { scheme: 'zendesk-hmac' }));
        }
      }),
    );
    const cpu = process.cpuUsage(cpuBefore);
    return {
      tx: n - first,
      seconds: (performance.now() - started) / 1000,
      cpuMs: (cpu.user + cpu.system) / 1000,
    };
  };
  // Warmed the same way as the service: connections opened, statements prepared, code compiled.
  await run(warmupSeconds * 1000);
  return { run, close: () => db.close() };
}

async function count(what: 'tickets' | 'pending outbox rows'): Promise<number> {
  const db = await createDatabase({ url: dbUrl, poolMax: 1 });
  try {
    const [row] = rowsOf<{ n: number }>(
      await db.db.execute(
        what === 'tickets'
          ? sql`select count(*)::int as n from tickets`
          : sql`select count(*)::int as n from outbox where state = 'pending'`,
      ),
    );
    return row!.n;
  } finally {
    await db.close();
  }
}

/**
 * A worker's relay, run here: moves the rows the api wrote to BullMQ and reports how fast, and how
 * many triage jobs are in Redis afterwards (every accepted webhook must have one).
 */
async function relayBacklog(timeoutMs: number) {
  const db = await createDatabase({ url: dbUrl, poolMax: 2 });
  const redis = createProducerConnection(redisUrl);
  const log = pino({ level: 'warn' });
  const queues = createQueues(redis, queuePrefix, log);
  const backlog = await count('pending outbox rows');
  const started = performance.now();
  const relay = startOutboxRelay(db.db, queues, { pollMs: 20, log });
  let pending = backlog;
  try {
    while (pending > 0 && performance.now() - started < timeoutMs) {
      await new Promise((r) => setTimeout(r, 100));
      pending = await count('pending outbox rows');
    }
    const seconds = (performance.now() - started) / 1000;
    const jobs = await queues.triage.getJobCountByTypes('waiting', 'delayed', 'prioritized');
    return {
      backlog,
      pending,
      rowsPerSecond: Math.round(backlog / seconds),
      // Every ticket, from HTTP and ceiling alike, wrote one triage row.
      jobsMissing: (await count('tickets')) - jobs,
    };
  } finally {
    await relay.stop();
    await closeQueues(queues);
    redis.disconnect();
    await db.close();
  }
}

/** No worker consumes the bench's jobs: drop its keys so runs do not pile up in Redis. */
async function clearQueues() {
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${queuePrefix}:*`, 'COUNT', 1000);
      if (keys.length > 0) await redis.unlink(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

const load1 = () => Math.round(loadavg()[0]! * 10) / 10;

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

await resetDatabase();
await clearQueues();
const loadBefore = load1();
const service = await startService();
let output: Record<string, unknown>;
try {
  // Steady state is the target: the first seconds after boot (JIT, new connections, statements
  // being prepared, cold caches in fresh backends) are slower, so they are not measured.
  await driveHttp(undefined, warmupSeconds);
  const warmup = await driveHttp();
  const roundSeconds = seconds / rounds;
  const amount = Math.max(500, Math.round((warmup.accepted / warmup.seconds) * roundSeconds));
  const ceilingRunner = await openCeiling();
  const http: { accepted: number; seconds: number; p50: number; p99: number; errors: number }[] =
    [];
  const db: { tx: number; seconds: number; cpuMs: number }[] = [];
  let serviceCpu = { user: 0, system: 0 };
  let ticketsBefore = 0;
  let ticketsWritten = 0;
  for (let round = 0; round < rounds; round++) {
    // In-flight requests settle before each baseline is taken.
    await new Promise((r) => setTimeout(r, 500));
    ticketsBefore = await count('tickets');
    const cpuBefore = cpuMsOf(service.pid);
    const { result, accepted, seconds: elapsed } = await driveHttp(amount);
    const cpuAfter = cpuMsOf(service.pid);
    if (cpuBefore && cpuAfter) {
      serviceCpu = {
        user: serviceCpu.user + cpuAfter.user - cpuBefore.user,
        system: serviceCpu.system + cpuAfter.system - cpuBefore.system,
      };
    }
    ticketsWritten += (await count('tickets')) - ticketsBefore;
    http.push({
      accepted,
      seconds: elapsed,
      p50: result.latency.p50,
      p99: result.latency.p99,
      errors: result.errors + result.non2xx,
    });
    db.push(await ceilingRunner.run(roundSeconds * 1000));
  }
  await ceilingRunner.close();
  const loadAfter = load1();
  service.kill('SIGTERM');
  const relayed = await relayBacklog(60_000);
  const accepted = sum(http.map((h) => h.accepted));
  const rps = accepted / sum(http.map((h) => h.seconds));
  const ceilingRps = sum(db.map((d) => d.tx)) / sum(db.map((d) => d.seconds));
  const round2 = (x: number) => Math.round(x * 100) / 100;
  output = {
    rps: Math.round(rps),
    // Median of the rounds' medians; the worst round's p99.
    p50Ms: median(http.map((h) => h.p50)),
    p99Ms: Math.max(...http.map((h) => h.p99)),
    errors: sum(http.map((h) => h.errors)),
    accepted,
    rowsWritten: ticketsWritten,
    lost: accepted - ticketsWritten,
    ceilingRps: Math.round(ceilingRps),
    ratio: round2(rps / ceilingRps),
    ratioRounds: http.map((h, i) => round2(h.accepted / h.seconds / (db[i]!.tx / db[i]!.seconds))),
    seconds: round2(sum(http.map((h) => h.seconds))),
    connections,
    // CPU the service process spent per accepted webhook (HTTP, limiter, intake), the kernel's
    // part of it (sockets to clients, Postgres and Redis), and the ceiling's own process per
    // transaction. Postgres backends are not counted in any of them.
    serviceCpuMsPerRequest: perRequest(serviceCpu.user + serviceCpu.system, accepted),
    serviceSystemCpuMsPerRequest: perRequest(serviceCpu.system, accepted),
    ceilingCpuMsPerTx: perRequest(sum(db.map((d) => d.cpuMs)), sum(db.map((d) => d.tx))),
    // After a worker-style relay drained the outbox: tickets without a triage job in BullMQ,
    // rows it could not move in 60 s (both must be 0), and how fast it moved them.
    jobsMissing: relayed.jobsMissing,
    outboxPending: relayed.pending,
    relayRowsPerSecond: relayed.rowsPerSecond,
    service: 'one process, api role: HTTP + rate limiter + intake (the relay runs in workers)',
    rateLimit: rateLimit === '0' ? 'off' : `${rateLimit} per address per window (counted)`,
    load1Before: loadBefore,
    load1After: loadAfter,
  };
} finally {
  service.kill('SIGKILL');
  await clearQueues();
}
console.log(JSON.stringify(output));
process.exit(output.lost === 0 && output.outboxPending === 0 && output.jobsMissing === 0 ? 0 : 1);
