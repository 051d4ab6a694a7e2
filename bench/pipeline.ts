/**
 * bench:pipeline — email webhooks at a fixed rate into the real service (api + workers in one
 * process, real Postgres and Redis, extractive drafting), measuring webhook-to-draft latency from
 * the database's own timestamps. Prints one JSON line.
 * Env: BENCH_DATABASE_URL (admin URL), REDIS_URL, BENCH_RATE (tickets/s, default 20),
 * BENCH_SECONDS (default 30), BENCH_DRAIN_SECONDS (how long to wait for the backlog after intake,
 * default 600). `keepUp` gives the soak figures: triage and draft throughput against the intake
 * rate, the backlog when intake stopped and its drain time (see keepUpOf). `--soak` is the same
 * bench at 100 tickets/s for 120 s (BENCH_RATE and BENCH_SECONDS still apply).
 * `loadAverage` is the machine's 1-minute load at the first webhook and at the end (the machine is
 * shared: quote figures with it, and compare branches back to back). `cpuMsPerTicket` is the service process's CPU time (user + system, from /proc) from the first
 * webhook until every ticket is drafted, divided by the tickets drafted (also split into user and
 * system time); `sqlStatementsPerTicket` is the statements it sent to Postgres over the same span
 * (`deskpilot_db_statements_total`: intake, relay, triage, draft, bookkeeping); `memoryMb` is the service's memory at that point (heap vs the rest, see
 * memoryOf). `--profile` also runs the
 * service under V8's CPU profiler, writes the `.cpuprofile` (open it in Chrome DevTools) and adds
 * `cpuMsByStage`: the profile's CPU time split into parse, redact, language, classify, retrieve,
 * compose, guards, SQL, queue, HTTP, logging, GC, native and other (bench/cpu-profile.ts).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { prepareDatabase } from '../src/build-deps.js';
import { kbImport } from '../src/cli/commands/kb-import.js';
import { createDatabase, postgresClient } from '../src/db/client.js';
import { rowsOf } from '../src/db/rows.js';
import { stageBreakdown } from './cpu-profile.js';

const adminUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
/** `--soak`: the keep-up run of issue #18 §2 (100 tickets/s for 2 minutes unless the env says). */
const soak = process.argv.includes('--soak');
const rate = Number(process.env.BENCH_RATE ?? (soak ? 100 : 20));
const seconds = Number(process.env.BENCH_SECONDS ?? (soak ? 120 : 30));
/** How long to wait, after the last webhook, for the backlog to drain (BENCH_DRAIN_SECONDS). */
const drainLimitSeconds = Number(process.env.BENCH_DRAIN_SECONDS ?? 600);
const profile = process.argv.includes('--profile');
const profileDir = profile ? mkdtempSync(path.join(tmpdir(), 'deskpilot-profile-')) : null;
const port = 3800 + Math.floor(Math.random() * 90);
/**
 * Its own database per run (dropped at the end): two benches on one server, two engineers' or a
 * branch beside main for a same-run comparison, never drop each other's.
 */
const dbName = `deskpilot_bench_pipeline_${process.pid}`;
const auth = `Basic ${Buffer.from('bench:bench-pass').toString('base64')}`;
const dbUrl = (() => {
  const u = new URL(adminUrl);
  u.pathname = `/${dbName}`;
  return u.toString();
})();

const questions = [
  ['Forgot my password', 'I cannot log in and the reset email never arrives. What can I do?'],
  ['Where is my parcel?', 'Tracking has not changed for a week, my parcel seems lost.'],
  ['Refund', 'How long does a refund take to appear on my card?'],
  ['Invoice', 'How do I add my VAT number to invoices?'],
  ['Cancel', 'Please tell me how to cancel my subscription.'],
  ['Broken item', 'The lamp arrived damaged. Can I get a replacement?'],
] as const;

async function reset() {
  const admin = postgresClient(adminUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
  await admin.unsafe(`CREATE DATABASE ${dbName}`);
  await admin.end();
  const db = await createDatabase({ url: dbUrl, poolMax: 2 });
  await prepareDatabase(db);
  await kbImport(db.db, path.resolve(import.meta.dirname, '../samples/kb'));
  await db.close();
}

async function start() {
  const profiling = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];
  const child = spawn(process.execPath, [...profiling, '--import', 'tsx', 'src/main.ts'], {
    env: {
      ...process.env,
      DATABASE_URL: dbUrl,
      REDIS_URL: redisUrl,
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      QUEUE_PREFIX: `bench-pipeline-${port}`,
      INBOUND_BASIC_AUTH: 'bench:bench-pass',
      NODE_ENV: 'production',
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  for (let i = 0; i < 300; i++) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/readyz`)).ok) return child;
    } catch {}
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGKILL');
  throw new Error('service did not become ready');
}

/**
 * One ticket through the whole pipeline before measuring: the first triage trains the starter
 * classifier and the first draft loads WordNet, one-off costs that are not per ticket.
 */
async function warmUp() {
  const res = await fetch(`http://127.0.0.1:${port}/webhooks/email/raw`, {
    method: 'POST',
    headers: { 'content-type': 'message/rfc822', authorization: auth },
    body: mail(0).replace(/Message-ID: <bench-0-/, 'Message-ID: <bench-warmup-'),
  });
  if (res.status !== 202) throw new Error(`warm-up webhook answered ${res.status}`);
  const db = await createDatabase({ url: dbUrl, poolMax: 1 });
  try {
    for (let i = 0; i < 1_200; i++) {
      const [row] = rowsOf<{ n: number }>(
        await db.db.execute(sql`select count(*)::int as n from drafts`),
      );
      if (row!.n > 0) return;
      await new Promise((r) => setTimeout(r, 250));
    }
    throw new Error('warm-up ticket was never drafted');
  } finally {
    await db.close();
  }
}

/** The process's CPU time so far (user and system), in ms, from /proc (Linux). */
function cpuMs(pid: number): { user: number; system: number } {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  // utime and stime are fields 14 and 15 of the file (11 and 12 after the command name), in
  // clock ticks; Linux reports them at USER_HZ = 100.
  return { user: Number(fields[11]) * 10, system: Number(fields[12]) * 10 };
}

function mail(i: number) {
  const [subject, body] = questions[i % questions.length]!;
  return `From: Customer ${i} <c${i}@bench.example>\r\nTo: support@example.com\r\nSubject: ${subject}\r\nMessage-ID: <bench-${i}-${Date.now()}@bench.example>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n${body}\r\n`;
}

await reset();
const service = await start();
await warmUp();
const total = rate * seconds;
let errors = 0;
/** Refused webhooks by answer: 429 is intake shedding (INTAKE_MAX_OUTBOX_DEPTH), not a failure. */
const errorsByStatus: Record<string, number> = {};
const statementsBefore = await statementsOf(port);
const cpuBefore = cpuMs(service.pid!);
/** The machine's 1-minute load average at the first webhook and when drafting is done. */
const loadBefore = loadavg()[0]!;
const started = Date.now();
try {
  const inflight: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    const due = started + (i * 1000) / rate;
    const wait = due - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    inflight.push(
      fetch(`http://127.0.0.1:${port}/webhooks/email/raw`, {
        method: 'POST',
        headers: { 'content-type': 'message/rfc822', authorization: auth },
        body: mail(i),
      })
        .then((res) => {
          if (res.status !== 202) {
            errors++;
            errorsByStatus[res.status] = (errorsByStatus[res.status] ?? 0) + 1;
          }
        })
        .catch(() => {
          errors++;
          errorsByStatus.network = (errorsByStatus.network ?? 0) + 1;
        }),
    );
  }
  await Promise.all(inflight);
  const sendSeconds = (Date.now() - started) / 1000;
  const db = await createDatabase({ url: dbUrl, poolMax: 1 });
  let drafted = 0;
  const deadline = Date.now() + drainLimitSeconds * 1000;
  while (Date.now() < deadline) {
    const [row] = rowsOf<{ n: number }>(
      await db.db.execute(sql`select count(*)::int as n from drafts where ticket_id not in
        (select ticket_id from inbox_events where dedupe_key like '%bench-warmup%')`),
    );
    drafted = row!.n;
    if (drafted >= total - errors) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  const allDone = Date.now();
  const cpuAfter = cpuMs(service.pid!);
  const statements = (await statementsOf(port)) - statementsBefore;
  const memory = await memoryOf(port);
  const cpuUser = cpuAfter.user - cpuBefore.user;
  // System time is mostly the kernel's side of socket writes (Postgres, Redis, HTTP).
  const cpuSystem = cpuAfter.system - cpuBefore.system;
  const cpuUsed = cpuUser + cpuSystem;
  const perTicket = (ms: number) => (stats!.n ? Math.round((ms / stats!.n) * 10) / 10 : null);
  const [stats] = rowsOf<{ p50: number; p95: number; p99: number; max: number; n: number }>(
    await db.db.execute(sql`
      select percentile_cont(0.5) within group (order by ms) as p50,
             percentile_cont(0.95) within group (order by ms) as p95,
             percentile_cont(0.99) within group (order by ms) as p99,
             max(ms) as max, count(*)::int as n
      from (select extract(epoch from (d.created_at - i.received_at)) * 1000 as ms
            from drafts d join inbox_events i on i.ticket_id = d.ticket_id
            where i.dedupe_key not like '%bench-warmup%') t`),
  );
  const keepUp = await keepUpOf(db);
  await db.close();
  console.log(
    JSON.stringify({
      rate,
      loadAverage: { atStart: round1(loadBefore), atEnd: round1(loadavg()[0]!) },
      seconds,
      sent: total,
      errors,
      errorsByStatus,
      drafted: stats!.n,
      webhookToDraftP50Ms: Math.round(stats!.p50),
      webhookToDraftP95Ms: Math.round(stats!.p95),
      webhookToDraftP99Ms: Math.round(stats!.p99),
      maxMs: Math.round(stats!.max),
      throughputPerSec: Math.round((stats!.n / ((allDone - started) / 1000)) * 10) / 10,
      sendSeconds: Math.round(sendSeconds * 10) / 10,
      cpuMsPerTicket: perTicket(cpuUsed),
      cpuUserMsPerTicket: perTicket(cpuUser),
      cpuSystemMsPerTicket: perTicket(cpuSystem),
      sqlStatementsPerTicket: perTicket(statements),
      keepUp,
      memoryMb: memory,
      ...(profileDir ? await profileReport(service) : {}),
    }),
  );
} finally {
  service.kill('SIGTERM');
  await new Promise((r) => setTimeout(r, 1_000));
  service.kill('SIGKILL');
  const admin = postgresClient(adminUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`).catch(() => {});
  await admin.end();
}
process.exit(0);

function round1(n: number): number {
  return Math.round(n * 10) / 10;
}

/**
 * Keep-up figures from the database's own timestamps (received, triaged, first draft): intake,
 * triage and draft rates over the intake window (first to last webhook received), the backlog of
 * undrafted tickets when intake stopped, and how long it took to drain after that. When the
 * backlog stays under one second of intake the pipeline kept up, and the sustainable rate is at
 * least the intake rate; otherwise the draft rate while intake ran is the sustainable rate
 * (drafting had the CPU intake left it).
 */
async function keepUpOf(database: Awaited<ReturnType<typeof createDatabase>>) {
  const [row] = rowsOf<{
    intake_s: number;
    n: number;
    triaged_during: number;
    drafted_during: number;
    triage_drain_s: number | null;
    draft_drain_s: number | null;
  }>(
    await database.db.execute(sql`
      with t as (
        select i.received_at r, tt.created_at tr,
               (select min(d.created_at) from drafts d where d.ticket_id = i.ticket_id) dr
        from inbox_events i left join ticket_triage tt on tt.ticket_id = i.ticket_id
        where i.dedupe_key not like '%bench-warmup%'
      ), b as (select min(r) t0, max(r) t1 from t)
      select extract(epoch from b.t1 - b.t0)::float8 intake_s, count(*)::int n,
             count(*) filter (where tr <= b.t1)::int triaged_during,
             count(*) filter (where dr <= b.t1)::int drafted_during,
             greatest(0, extract(epoch from max(tr) - b.t1))::float8 triage_drain_s,
             greatest(0, extract(epoch from max(dr) - b.t1))::float8 draft_drain_s
      from t, b group by b.t0, b.t1`),
  );
  if (!row || row.intake_s <= 0) return null;
  const perSec = (n: number, s: number) => Math.round((n / s) * 10) / 10;
  const intakePerSec = perSec(row.n, row.intake_s);
  const backlog = row.n - row.drafted_during;
  const keptUp = backlog <= intakePerSec;
  const drainSeconds = Math.round((row.draft_drain_s ?? 0) * 10) / 10;
  return {
    intakePerSec,
    triagePerSecDuringIntake: perSec(row.triaged_during, row.intake_s),
    draftPerSecDuringIntake: perSec(row.drafted_during, row.intake_s),
    triageBacklogAtIntakeEnd: row.n - row.triaged_during,
    draftBacklogAtIntakeEnd: backlog,
    triageDrainSeconds: Math.round((row.triage_drain_s ?? 0) * 10) / 10,
    drainSeconds,
    drainDraftsPerSec: drainSeconds > 0 ? perSec(backlog, drainSeconds) : null,
    keptUp,
    sustainableRatePerSec: keptUp
      ? `>= ${intakePerSec}`
      : String(perSec(row.drafted_during, row.intake_s)),
  };
}

/** Statements the service has sent to Postgres so far (`deskpilot_db_statements_total`). */
async function statementsOf(servicePort: number): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${servicePort}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith('deskpilot_db_statements_total '));
  return line ? Number(line.split(' ')[1]) : Number.NaN;
}

/**
 * The service's memory once every ticket is drafted, from its Prometheus default metrics: resident
 * set, V8 heap (used and reserved), `external` (ArrayBuffers and Buffers held by JS: PGlite's
 * WASM memory when embedded, ONNX tensors) and the rest of the resident set (`native`: the Node
 * binary, malloc, native add-ons such as onnxruntime or llama.cpp, thread stacks).
 */
async function memoryOf(servicePort: number) {
  const text = await (await fetch(`http://127.0.0.1:${servicePort}/metrics`)).text();
  const metric = (name: string) => {
    const line = text.split('\n').find((l) => l.startsWith(`deskpilot_${name} `));
    return line ? Number(line.split(' ')[1]) : Number.NaN;
  };
  const mb = (bytes: number) => Math.round(bytes / 1e5) / 10;
  const rss = metric('process_resident_memory_bytes');
  const heapTotal = metric('nodejs_heap_size_total_bytes');
  const external = metric('nodejs_external_memory_bytes');
  return {
    rss: mb(rss),
    heapUsed: mb(metric('nodejs_heap_size_used_bytes')),
    heapTotal: mb(heapTotal),
    external: mb(external),
    native: mb(rss - heapTotal - external),
  };
}

/** Stops the service gracefully (V8 writes the profile on exit) and splits its CPU time. */
async function profileReport(child: typeof service) {
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await Promise.race([exited, new Promise((r) => setTimeout(r, 30_000))]);
  // One profile per thread (`CPU.<date>.<time>.<pid>.<thread>.<seq>`); thread 0 is the main one.
  const file = readdirSync(profileDir!)
    .filter((f) => f.endsWith('.cpuprofile'))
    .sort()
    .find((f) => /\.0\.\d+\.cpuprofile$/.test(f));
  if (!file) return { profile: null };
  const breakdown = stageBreakdown(path.join(profileDir!, file));
  return {
    profile: path.join(profileDir!, file),
    profiledCpuMs: breakdown.totalMs,
    cpuMsByStage: breakdown.stagesMs,
  };
}
