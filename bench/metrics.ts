/**
 * bench:metrics — 1M realistic tickets with their messages, events, triage and drafts, generated
 * set-based (generate_series) into a throwaway Postgres database, then each /api/metrics query
 * timed in-process through the HTTP router. Prints one JSON object.
 * Env: BENCH_DATABASE_URL (admin URL, default local postgres), BENCH_TICKETS (default 1000000),
 * BENCH_RUNS (default 15), BENCH_KEEP=1 keeps the database, BENCH_REUSE=1 times the queries
 * against a database kept earlier (no generation).
 */
import type postgres from 'postgres';
import { createApiKey, createApiKeyVerifier } from '../src/auth/api-keys.js';
import { type Config, loadConfig } from '../src/config/index.js';
import { createDatabase, type Database, postgresClient } from '../src/db/client.js';
import type { Deps } from '../src/deps.js';
import { metricsRoutes } from '../src/http/routes/metrics/index.js';
import { refreshTicketMetrics } from '../src/metrics/index.js';

const adminUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const ticketsWanted = Number(process.env.BENCH_TICKETS ?? 1_000_000);
const runs = Number(process.env.BENCH_RUNS ?? 15);
const dbName = 'deskpilot_bench_metrics';
const dbUrl = (() => {
  const u = new URL(adminUrl);
  u.pathname = `/${dbName}`;
  return u.toString();
})();

const seconds = (t0: number) => Math.round((performance.now() - t0) / 10) / 100;

async function recreate() {
  const admin = postgresClient(adminUrl, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
    await admin.unsafe(`CREATE DATABASE ${dbName}`);
  } finally {
    await admin.end();
  }
}

async function drop() {
  const admin = postgresClient(adminUrl, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}

/**
 * One year of tickets. Shape: 2% automated, 1% merged, 90% of the rest answered (10% of those
 * by an auto-sent AI draft) with log-normal-ish first reply times, 30% a second reply, 80%
 * solved, 8% of solved reopened and solved again, 5% overdue drafts, 5% corrected triage.
 */
async function generate(client: postgres.Sql) {
  await client.unsafe('set synchronous_commit = off');
  await client.unsafe(`
    create unlogged table bench_g as
    select n, gen_random_uuid() as id,
      timestamptz '2025-01-01' + random() * interval '365 days' as created,
      (array['email','zendesk','chat','web'])[1 + (n % 4)] as channel,
      (array['en','de','fr','es'])[1 + ((n / 4) % 4)] as language,
      (n % 50 = 0) as automated, (n % 100 = 1) as merged,
      (array['billing','shipping','returns','account','technical','other','orders','warranty'])
        [1 + floor(random() * 8)::int] as category,
      case when random() < 0.05 then 'other' end as corrected,
      (array['low','normal','normal','normal','high','urgent'])[1 + floor(random() * 6)::int] as priority,
      (array['tier1','tier2','finance'])[1 + (n % 3)] as team,
      random() < 0.9 as replied, random() < 0.1 as by_ai, random() < 0.3 as second_reply,
      exp(random() * 5) * interval '6 minutes' as frt,
      random() < 0.8 as solved, random() < 0.08 as reopened, random() < 0.05 as overdue,
      random() as r
    from generate_series(1, ${ticketsWanted}) as n`);
  await client.unsafe(`
    insert into tickets (id, source, external_id, subject, status, channel, language, automated,
      tags, created_at, updated_at)
    select id, 'api', n::text, 'Ticket ' || n,
      case when merged then 'closed' when solved then 'solved' when replied then 'pending' else 'open' end,
      channel, language, automated,
      case when merged then '{merged}'::text[] else '{}'::text[] end, created, created
    from bench_g`);
  await client.unsafe(`
    insert into messages (ticket_id, direction, author_kind, body_text, created_at)
    select id, 'inbound', 'customer', 'Hello, where is my order?', created from bench_g`);
  await client.unsafe(`
    insert into messages (ticket_id, direction, author_kind, body_text, public, sent_at, created_at)
    select id, 'outbound', case when by_ai then 'ai' else 'agent' end, 'Here you go',
      true, created + frt, created + frt from bench_g where replied and not automated
    union all
    select id, 'outbound', 'agent', 'Follow-up', true, created + frt * 3, created + frt * 3
    from bench_g where replied and second_reply and not automated`);
  await client.unsafe(`
    insert into ticket_events (ticket_id, type, actor_kind, created_at)
    select id, 'created', 'system', created from bench_g
    union all
    select id, 'sent', 'agent', created + frt from bench_g where replied and not automated
    union all
    select id, 'overdue', 'system', created + interval '1 day' from bench_g where overdue
    union all
    select id, 'solved', 'agent', created + frt * 4 + interval '1 hour'
    from bench_g where solved or merged
    union all
    select id, 'reopened', 'customer', created + frt * 4 + interval '1 day'
    from bench_g where solved and reopened
    union all
    select id, 'solved', 'agent', created + frt * 4 + interval '2 days'
    from bench_g where solved and reopened`);
  await client.unsafe(`
    insert into ticket_triage (ticket_id, category, confidence, decided_by, priority, sentiment,
      language, team, queue, corrected_category, created_at, updated_at)
    select id, category, 0.5 + r / 2, 'classifier', priority, 'neutral', language, team,
      team || '-queue', corrected, created, created
    from bench_g where not automated`);
  await client.unsafe(`
    insert into drafts (ticket_id, version, status, kind, body_text, model, auto_sent, decided_by,
      decided_at, edit_distance, words_sent, reject_reason, created_at, updated_at)
    select id, 1,
      case when r < 0.1 then 'rejected' when replied then 'sent' else 'pending_approval' end,
      'extractive', 'Draft', 'bench', by_ai and replied,
      case when r >= 0.1 and not replied then null else 'agent-1' end,
      case when r >= 0.1 and not replied then null else created + frt end,
      case when replied and r >= 0.1 then (case when r < 0.5 then 0 else floor(r * 20)::int end) end,
      case when replied and r >= 0.1 then 60 end,
      case when r < 0.1 then (array['wrong_answer','tone','missing_info'])[1 + (n % 3)] end,
      created, created
    from bench_g where not automated`);
  await client.unsafe('drop table bench_g');
  await client.unsafe('vacuum analyze');
}

function percentile(sorted: number[], p: number) {
  const i = Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1);
  return Math.round((sorted[Math.max(0, i)] ?? 0) * 10) / 10;
}

async function prepare(database: Database, config: Config, out: Record<string, unknown>) {
  const client = postgresClient(dbUrl, { max: 1, onnotice: () => {} });
  let t0 = performance.now();
  await generate(client);
  out.generationSeconds = seconds(t0);
  const [counts] = await client.unsafe(`select
    (select count(*) from messages)::int as messages,
    (select count(*) from ticket_events)::int as events,
    (select count(*) from drafts)::int as drafts`);
  out.rows = counts;

  t0 = performance.now();
  await refreshTicketMetrics(database.db, config, { full: true });
  out.fullRefreshSeconds = seconds(t0);
  // What autovacuum would have done by the time anyone looks at a dashboard.
  await client.unsafe('vacuum analyze ticket_metrics');

  // Incremental refresh after a burst of new activity (1000 tickets get a reply event).
  await client.unsafe(`insert into ticket_events (ticket_id, type, actor_kind)
    select ticket_id, 'sent', 'agent' from ticket_metrics limit 1000`);
  t0 = performance.now();
  const inc = await refreshTicketMetrics(database.db, config);
  out.incrementalRefresh = { tickets: inc.tickets, ms: Math.round(performance.now() - t0) };
  t0 = performance.now();
  await refreshTicketMetrics(database.db, config);
  out.noopRefreshMs = Math.round(performance.now() - t0);
  await client.end();
}

async function main() {
  const reuse = Boolean(process.env.BENCH_REUSE);
  if (!reuse) await recreate();
  const database = await createDatabase({ url: dbUrl, poolMax: 4 });
  const out: Record<string, unknown> = { tickets: ticketsWanted };
  const config = loadConfig({ TIME_ZONE: 'Europe/Berlin' });
  try {
    await database.migrate();
    if (!reuse) await prepare(database, config, out);
    const { key } = await createApiKey(database.db, { name: 'bench', role: 'manager' });
    const deps = {
      db: database.db,
      config,
      apiKeys: createApiKeyVerifier(database.db),
    } as unknown as Deps;
    const app = metricsRoutes(deps);
    const month = 'from=2025-11-01T00:00:00Z&to=2025-12-01T00:00:00Z';
    const year = 'from=2025-01-01T00:00:00Z&to=2026-01-01T00:00:00Z';
    const queries: Record<string, string> = {
      'summary 30d': `/api/metrics/summary?${month}`,
      'summary 365d': `/api/metrics/summary?${year}`,
      'summary 30d category=billing': `/api/metrics/summary?${month}&category=billing`,
      'summary 30d basis=solved': `/api/metrics/summary?${month}&basis=solved`,
      'summary November (dates, TIME_ZONE)': '/api/metrics/summary?from=2025-11-01&to=2025-11-30',
      'timeseries day 30d': `/api/metrics/timeseries?${month}&interval=day`,
      'timeseries week 365d': `/api/metrics/timeseries?${year}&interval=week`,
      'by-category 30d': `/api/metrics/by-category?${month}`,
      'by-team 365d': `/api/metrics/by-category?${year}&groupBy=team`,
      'classifier 30d': `/api/metrics/classifier?${month}`,
      'summary 30d csv': `/api/metrics/summary?${month}&format=csv`,
    };
    const timings: Record<string, { p50: number; p95: number }> = {};
    for (const [name, url] of Object.entries(queries)) {
      const ms: number[] = [];
      for (let i = 0; i < runs + 1; i++) {
        const t = performance.now();
        const res = await app.request(url, { headers: { authorization: `Bearer ${key}` } });
        if (res.status !== 200) throw new Error(`${name}: ${res.status} ${await res.text()}`);
        await res.text();
        if (i > 0) ms.push(performance.now() - t); // first run warms caches
      }
      ms.sort((a, b) => a - b);
      timings[name] = { p50: percentile(ms, 0.5), p95: percentile(ms, 0.95) };
    }
    out.queriesMs = timings;
  } finally {
    await database.close();
    if (!process.env.BENCH_KEEP) await drop();
  }
  console.log(JSON.stringify(out, null, 2));
}

await main();
