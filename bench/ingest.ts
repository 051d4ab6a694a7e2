/**
 * bench:ingest — signed Zendesk webhooks against the real service (separate process, real Postgres
 * and Redis), compared with the same intake transaction issued directly through postgres.js.
 * Prints one JSON line. Env: BENCH_DATABASE_URL (admin URL, default local postgres), REDIS_URL,
 * BENCH_SECONDS (default 15), BENCH_CONNECTIONS (default 32).
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import autocannon from 'autocannon';
import { sql } from 'drizzle-orm';
import postgres from 'postgres';
import { createDatabase } from '../src/db/client.js';
import { rowsOf } from '../src/db/rows.js';
import { acceptDelivery } from '../src/ingest/intake.js';
import { normalizeZendeskEvent } from '../src/ingest/zendesk/normalize.js';
import { zendeskEventSchema } from '../src/ingest/zendesk/payload.js';
import { signZendesk } from '../src/ingest/zendesk/signature.js';

const adminUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const seconds = Number(process.env.BENCH_SECONDS ?? 15);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 32);
const secret = 'bench-secret';
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
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
  await admin.unsafe(`CREATE DATABASE ${dbName}`);
  await admin.end();
  const db = await createDatabase({ url: dbUrl, poolMax: 1 });
  await db.migrate();
  await db.close();
}

async function startService() {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', '--role', 'api'], {
    env: {
      ...process.env,
      DATABASE_URL: dbUrl,
      REDIS_URL: redisUrl,
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      ZENDESK_WEBHOOK_SECRETS: secret,
      QUEUE_PREFIX: 'bench-ingest',
      DATABASE_POOL_MAX: '20',
      NODE_ENV: 'production',
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
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
async function driveHttp(amount?: number) {
  let n = amount ? 1_000_000 : 0;
  let accepted = 0;
  const result = await autocannon({
    url: `http://127.0.0.1:${port}`,
    connections,
    ...(amount ? { amount } : { duration: 2 }),
    requests: [
      {
        method: 'POST',
        path: '/webhooks/zendesk',
        setupRequest: (req) => {
          const body = JSON.stringify(event(n++));
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
          if (status === 202) accepted++;
        },
      },
    ],
  });
  return { result, accepted };
}

/** The same transaction without HTTP: what Postgres alone can absorb on this machine. */
async function ceiling(): Promise<number> {
  const db = await createDatabase({ url: dbUrl, poolMax: 20 });
  let done = 0;
  let n = 5_000_000;
  const deadline = Date.now() + Math.min(seconds, 10) * 1000;
  const started = Date.now();
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (Date.now() < deadline) {
        const parsed = zendeskEventSchema.parse(event(n++));
        await acceptDelivery(db.db, normalizeZendeskEvent(parsed, { scheme: 'zendesk-hmac' }));
        done++;
      }
    }),
  );
  const rps = done / ((Date.now() - started) / 1000);
  await db.close();
  return rps;
}

async function countTickets(): Promise<number> {
  const db = await createDatabase({ url: dbUrl, poolMax: 1 });
  try {
    const [row] = rowsOf<{ n: number }>(
      await db.db.execute(sql`select count(*)::int as n from tickets`),
    );
    return row!.n;
  } finally {
    await db.close();
  }
}

await resetDatabase();
const service = await startService();
let output: Record<string, number>;
try {
  const warmup = await driveHttp();
  const amount = Math.max(1_000, Math.round((warmup.accepted / 2) * seconds));
  // In-flight warm-up requests settle before the baseline is taken.
  await new Promise((r) => setTimeout(r, 1_000));
  const before = await countTickets();
  const started = Date.now();
  const { result, accepted } = await driveHttp(amount);
  const elapsed = (Date.now() - started) / 1000;
  const rowsWritten = (await countTickets()) - before;
  service.kill('SIGTERM');
  const ceilingRps = await ceiling();
  const rps = accepted / elapsed;
  output = {
    rps: Math.round(rps),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    errors: result.errors + result.non2xx,
    accepted,
    rowsWritten,
    lost: accepted - rowsWritten,
    ceilingRps: Math.round(ceilingRps),
    ratio: Math.round((rps / ceilingRps) * 100) / 100,
    seconds: Math.round(elapsed * 10) / 10,
    connections,
  };
} finally {
  service.kill('SIGKILL');
}
console.log(JSON.stringify(output));
process.exit(0);
