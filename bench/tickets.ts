/**
 * bench:tickets — the ticket list (`GET /api/tickets`) at 1M tickets. Generates tickets with
 * varied subjects, bodies and requesters, their triage and draft state, set-based (generate_series)
 * into a throwaway Postgres database with its secondary indexes built after the load, builds the
 * search table as the triggers would, then times
 * the first page of filtered and searched lists in-process through the HTTP router (agent keys,
 * one of them team-scoped). Prints one JSON object; `searchedP95Ms` is the p95 over every
 * filtered, searched first page (target ≤ 150 ms).
 *
 * Only the tables the list reads are generated (tickets, ticket_triage, ticket_search): messages
 * and drafts do not take part in the query (the draft state is a column of tickets).
 * Env: BENCH_DATABASE_URL (admin URL, default local postgres), BENCH_TICKETS (default 1000000),
 * BENCH_RUNS (default 20), BENCH_KEEP=1 keeps the database, BENCH_REUSE=1 times the queries
 * against a database kept earlier (no generation).
 */
import type postgres from 'postgres';
import { createApiKey, createApiKeyVerifier } from '../src/auth/api-keys.js';
import { loadConfig } from '../src/config/index.js';
import { createDatabase, postgresClient } from '../src/db/client.js';
import type { Deps } from '../src/deps.js';
import { ticketRoutes } from '../src/http/routes/tickets/index.js';

const adminUrl = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const ticketsWanted = Number(process.env.BENCH_TICKETS ?? 1_000_000);
const runs = Number(process.env.BENCH_RUNS ?? 20);
const dbName = 'deskpilot_bench_tickets';
const dbUrl = (() => {
  const u = new URL(adminUrl);
  u.pathname = `/${dbName}`;
  return u.toString();
})();

const seconds = (t0: number) => Math.round((performance.now() - t0) / 10) / 100;

async function admin(statement: string) {
  const client = postgresClient(adminUrl, { max: 1, onnotice: () => {} });
  try {
    await client.unsafe(statement);
  } finally {
    await client.end();
  }
}

/**
 * Support-ticket text from a vocabulary with a realistic spread: a few words in most tickets
 * ("order", "please"), topic words in a few percent each, order numbers and addresses unique.
 */
const subjects = [
  'Refund for order',
  'Where is my order',
  'Charged twice',
  'Cannot reset my password',
  'Invoice request',
  'Damaged item received',
  'Cancel my subscription',
  'Change delivery address',
  'Wrong size, want an exchange',
  'Discount code not working',
  'Account locked',
  'Question about warranty',
  'Package marked delivered but not here',
  'Update payment card',
  'Return label missing',
  'Late delivery',
];
const sentences = [
  'I ordered last week and nothing has arrived yet.',
  'Please refund the second payment, I was charged twice.',
  'The tracking number does not work.',
  'I forgot my password and the reset link never arrives.',
  'Could you send me a copy of the invoice for my company?',
  'The box was crushed and the item inside is damaged.',
  'I want to cancel my subscription before the next renewal.',
  'I moved, please ship to my new address instead.',
  'The shoes are too small, can I exchange them for a bigger size?',
  'The discount code from your newsletter is rejected at checkout.',
  'My account is locked after too many attempts.',
  'How long is the warranty on headphones?',
  'The courier says delivered but I never received it.',
  'My card expired, how do I update the payment method?',
  'There was no return label in the parcel.',
  'This is the third time I write to you about this.',
  'Thanks in advance for your help.',
  'I am very disappointed with the service.',
  'Can I get a refund instead of store credit?',
  'Please call me back, my number is in my profile.',
];

let indexSeconds = 0;

async function generate(client: postgres.Sql) {
  await client.unsafe('set synchronous_commit = off');
  await client.unsafe(`set maintenance_work_mem = '512MB'`);
  // Generation writes the search table directly (below), as the triggers would.
  await client.unsafe('set session_replication_role = replica');
  // Secondary indexes are dropped for the bulk load and built once afterwards: a GIN or btree
  // index built over a million rows in one pass is several times faster than a million
  // incremental insertions into it. Constraint indexes (primary keys, unique) stay.
  const secondary = (await client.unsafe(`
    select i.indexname as name, i.indexdef as def from pg_indexes i
    where i.schemaname = 'public' and i.tablename in ('tickets', 'ticket_triage', 'ticket_search')
      and not exists (select 1 from pg_constraint c
                      where c.conindid = format('%I.%I', i.schemaname, i.indexname)::regclass)
  `)) as unknown as { name: string; def: string }[];
  for (const index of secondary) await client.unsafe(`drop index "${index.name}"`);
  const subjectArr = `array[${subjects.map((s) => `'${s}'`).join(',')}]`;
  const sentenceArr = `array[${sentences.map((s) => `'${s}'`).join(',')}]`;
  await client.unsafe(`
    create unlogged table bench_g as
    select n, gen_random_uuid() as id,
      timestamptz '2025-01-01' + (n::float8 / ${ticketsWanted}) * interval '365 days'
        + random() * interval '1 hour' as created,
      (${subjectArr})[1 + floor(random() * ${subjects.length})::int] || ' ' || (100000 + n)::text
        as subject,
      (${sentenceArr})[1 + floor(random() * ${sentences.length})::int] || ' ' ||
      (${sentenceArr})[1 + floor(random() * ${sentences.length})::int] || ' ' ||
      (${sentenceArr})[1 + floor(random() * ${sentences.length})::int] || ' Order ' ||
        (100000 + n)::text as body,
      'customer' || n || '@example' || (n % 500) || '.com' as email,
      (array['Ana','Ben','Chloé','Dmitri','Eva','Farid','Grace','Hiro'])[1 + (n % 8)] || ' ' ||
        (array['Lopez','Smith','Müller','Rossi','Kim','Okafor'])[1 + (n % 6)] as name,
      (array['new','open','open','pending','pending','solved','solved','solved','solved','closed'])
        [1 + floor(random() * 10)::int] as status,
      (array['email','zendesk','api','web'])[1 + (n % 4)] as channel,
      (n % 50 = 0) as automated,
      (array['billing','shipping','returns','account','technical','other','orders','warranty'])
        [1 + floor(random() * 8)::int] as category,
      (array['low','normal','normal','normal','high','urgent'])[1 + floor(random() * 6)::int]
        as priority,
      (array['tier1','tier2','finance'])[1 + (n % 3)] as team,
      random() as r
    from generate_series(1, ${ticketsWanted}) as n`);
  await client.unsafe(`
    insert into tickets (id, source, external_id, requester_email, requester_name, subject, status,
      channel, automated, draft_state, reply_due_at, created_at, updated_at)
    select id, 'api', n::text, email, name, subject, status, channel, automated,
      case when automated then 'none'
        when status in ('solved', 'closed') then 'answered'
        when r < 0.05 then 'none' when r < 0.35 then 'pending' when r < 0.40 then 'abstained'
        when r < 0.55 then 'rejected' when r < 0.60 then 'sending'
        when r < 0.62 then 'delivery_failed' else 'answered' end,
      case when automated or r < 0.05 then null else created + interval '4 hours' end,
      created, created
    from bench_g`);
  await client.unsafe(`
    insert into ticket_triage (ticket_id, category, confidence, decided_by, priority, sentiment,
      team, queue, assignee, created_at, updated_at)
    select id, category, 0.5 + r / 2, 'classifier', priority, 'neutral', team, team || '-queue',
      case when r < 0.3 then 'agent' || (n % 40) end, created, created
    from bench_g where not automated`);
  await client.unsafe(`
    insert into ticket_search (ticket_id, document)
    select id, to_tsvector('simple', concat_ws(' ', subject, name, email, replace(email, '@', ' ')))
      || to_tsvector('simple', body)
    from bench_g`);
  await client.unsafe('set session_replication_role = origin');
  await client.unsafe('drop table bench_g');
  await client.unsafe('set max_parallel_maintenance_workers = 2');
  const built = performance.now();
  for (const index of secondary) await client.unsafe(index.def);
  indexSeconds = seconds(built);
  await client.unsafe('vacuum analyze');
}

function percentile(sorted: number[], p: number) {
  const i = Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1);
  return Math.round((sorted[Math.max(0, i)] ?? 0) * 10) / 10;
}

async function main() {
  const reuse = Boolean(process.env.BENCH_REUSE);
  if (!reuse) {
    await admin(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
    await admin(`CREATE DATABASE ${dbName}`);
  }
  const database = await createDatabase({ url: dbUrl, poolMax: 4 });
  const out: Record<string, unknown> = { tickets: ticketsWanted };
  try {
    await database.migrate();
    if (!reuse) {
      const client = postgresClient(dbUrl, { max: 1, onnotice: () => {} });
      const t0 = performance.now();
      await generate(client);
      out.generationSeconds = seconds(t0);
      out.indexBuildSeconds = indexSeconds;
      await client.end();
    }
    const agent = (await createApiKey(database.db, { name: 'bench', role: 'agent' })).key;
    const finance = (
      await createApiKey(database.db, { name: 'bench-team', role: 'agent', teamId: 'finance' })
    ).key;
    const deps = {
      db: database.db,
      config: loadConfig({}),
      apiKeys: createApiKeyVerifier(database.db),
      now: () => new Date(),
    } as unknown as Deps;
    const app = ticketRoutes(deps);
    // [name, query, key]: filtered and searched first pages, then unsearched ones for reference.
    const searched: [string, string, string][] = [
      ['q=refund status=open', '?q=refund&status=open', agent],
      ['q=invoice view=needs_human', '?q=invoice&view=needs_human', agent],
      ['q="password reset" queue=tier1-queue', '?q=password%20reset&queue=tier1-queue', agent],
      ['q=damaged draftState=rejected', '?q=damaged&draftState=rejected', agent],
      ['q=order 654321 (one ticket)', '?q=order%20654321', agent],
      ['q=refund slaBreached=true', '?q=refund&slaBreached=true', agent],
      ['q="charged twice" priority=urgent', '?q=charged%20twice&priority=urgent', agent],
      ['q=warranty category=warranty', '?q=warranty&category=warranty', agent],
      ['q=customer777777@ (requester)', '?q=customer777777%40', agent],
      ['q=disappointed status=new, team-scoped agent', '?q=disappointed&status=new', finance],
      ['q=thanks view=overdue', '?q=thanks&view=overdue', agent],
      [
        'q=müller channel=zendesk automated=false (no match)',
        '?q=m%C3%BCller&channel=zendesk&automated=false',
        agent,
      ],
    ];
    const plain: [string, string, string][] = [
      ['all tickets', '', agent],
      ['view=needs_human', '?view=needs_human', agent],
      ['view=waiting_delivery', '?view=waiting_delivery', agent],
      ['view=overdue, team-scoped agent', '?view=overdue', finance],
      ['status=open priority=urgent', '?status=open&priority=urgent', agent],
    ];
    const timings: Record<string, { p50: number; p95: number; items: number }> = {};
    const all: number[] = [];
    for (const [group, list] of [
      ['searched', searched],
      ['plain', plain],
    ] as const) {
      for (const [name, query, key] of list) {
        const ms: number[] = [];
        let items = 0;
        for (let i = 0; i < runs + 1; i++) {
          const t = performance.now();
          const res = await app.request(`/api/tickets${query}`, {
            headers: { authorization: `Bearer ${key}` },
          });
          if (res.status !== 200) throw new Error(`${name}: ${res.status} ${await res.text()}`);
          items = ((await res.json()) as { items: unknown[] }).items.length;
          if (i > 0) ms.push(performance.now() - t); // the first run warms caches
        }
        if (group === 'searched') all.push(...ms);
        ms.sort((a, b) => a - b);
        timings[`${group}: ${name}`] = {
          p50: percentile(ms, 0.5),
          p95: percentile(ms, 0.95),
          items,
        };
      }
    }
    all.sort((a, b) => a - b);
    out.searchedP95Ms = percentile(all, 0.95);
    out.searchedP50Ms = percentile(all, 0.5);
    out.queriesMs = timings;
  } finally {
    await database.close();
    if (!process.env.BENCH_KEEP) await admin(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
  }
  console.log(JSON.stringify(out, null, 2));
}

await main();
