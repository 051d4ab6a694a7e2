/**
 * Vector retrieval benchmark on real PostgreSQL + pgvector, through the production schema, index
 * DDL and query path (src/kb/vector-index.ts, src/kb/search.ts).
 *
 *   npm run bench:retrieval            # DATABASE_URL or postgres://postgres@127.0.0.1:5432/postgres
 *   BENCH_CHUNKS=20000 npm run bench:retrieval
 *
 * Creates (and finally drops) its own database `deskpilot_bench_retrieval`, loads 100k chunks with
 * 384-dimensional vectors, builds the HNSW index and reports build time, query latency p50/p95
 * and recall@10 against an exact scan, at pgvector's default ef_search and at tuned values.
 *
 * Vectors are clustered like real embeddings (topics of very different sizes, each a direction
 * with its own spread, plus a shared "language" component), not uniform noise: uniform random
 * vectors in 384 dimensions are nearly orthogonal, which makes HNSW look worse than it is and
 * exact neighbours meaningless.
 */
import 'dotenv/config';
import { sql } from 'drizzle-orm';
import { createDatabase, postgresClient } from '../src/db/client.js';
import { insertChunkEmbeddings, queryRows } from '../src/db/queries/kb.js';
import { vectorCandidates, vectorCandidatesQuery } from '../src/kb/search-vector.js';
import { ensureVectorIndex, vectorIndexName } from '../src/kb/vector-index.js';

const DB_NAME = 'deskpilot_bench_retrieval';
const DIM = 384;
const CHUNKS = Number(process.env.BENCH_CHUNKS ?? 100_000);
const QUERIES = Number(process.env.BENCH_QUERIES ?? 500);
const TOPICS = 2_000;
const MODEL = 'bench-clustered-384';
const K = 10;

/** Deterministic PRNG (mulberry32) so every run benchmarks the same data. */
function rng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const random = rng(42);
function gaussian(): number {
  const u = Math.max(random(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}
function normalize(v: Float32Array): Float32Array {
  let n = 0;
  for (const x of v) n += x * x;
  n = Math.sqrt(n) || 1;
  for (let i = 0; i < v.length; i++) v[i] = v[i]! / n;
  return v;
}
function randomUnit(): Float32Array {
  const v = new Float32Array(DIM);
  for (let i = 0; i < DIM; i++) v[i] = gaussian();
  return normalize(v);
}

// Topic sizes follow a Zipf law (a few huge topics, a long tail). Within a topic, texts vary along
// a few directions of their own (a low-rank subspace: real sentence embeddings have an intrinsic
// dimension of a few dozen, not 384) plus small isotropic noise, and every vector shares a
// common component, as text embeddings of one language do. Resulting cosines: ~0.75 within a
// topic, ~0.2 across topics, neighbours ordered by a continuum rather than ties.
const SUBSPACE = 24;
const common = randomUnit();
const topics = Array.from({ length: TOPICS }, () => ({
  center: randomUnit(),
  basis: Array.from({ length: SUBSPACE }, () => randomUnit()),
  spread: 0.4 + random() * 0.5,
}));
const zipf = topics.map((_, i) => 1 / (i + 1) ** 0.9);
const zipfTotal = zipf.reduce((a, b) => a + b, 0);
const cumulative: number[] = [];
zipf.reduce((acc, w, i) => {
  cumulative[i] = acc + w / zipfTotal;
  return cumulative[i]!;
}, 0);
function pickTopic() {
  const r = random();
  let lo = 0;
  let hi = cumulative.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (cumulative[mid]! < r) lo = mid + 1;
    else hi = mid;
  }
  return topics[lo]!;
}
function sample(): Float32Array {
  const topic = pickTopic();
  const v = new Float32Array(DIM);
  for (let i = 0; i < DIM; i++)
    v[i] = topic.center[i]! + 0.4 * common[i]! + (0.1 / Math.sqrt(DIM)) * gaussian();
  for (const direction of topic.basis) {
    const a = (topic.spread / Math.sqrt(SUBSPACE)) * gaussian();
    for (let i = 0; i < DIM; i++) v[i] = v[i]! + a * direction[i]!;
  }
  return normalize(v);
}

function percentile(sorted: number[], p: number) {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}
const round = (n: number, d = 2) => Number(n.toFixed(d));

async function main() {
  const baseUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const admin = postgresClient(baseUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`drop database if exists ${DB_NAME} with (force)`);
  await admin.unsafe(`create database ${DB_NAME}`);
  const url = new URL(baseUrl);
  url.pathname = `/${DB_NAME}`;
  const database = await createDatabase({ url: url.toString(), poolMax: 2 });
  try {
    await database.migrate();
    const { db } = database;
    const t0 = performance.now();
    // Articles and chunks through plain SQL (their text is irrelevant here); vectors through the
    // production insert.
    const articles = Math.ceil(CHUNKS / 100);
    await db.execute(sql`
      insert into kb_articles (source, external_id, title, body, format, content_hash, indexed_hash)
      select 'bench', 'a' || i, 'Article ' || i, '', 'text', 'h', 'h'
      from generate_series(1, ${articles}) i`);
    await db.execute(sql`
      insert into kb_chunks (article_id, ordinal, text, text_config, language,
        title_length, section_length, body_length)
      select a.id, o, 'chunk', 'english', 'en', 1, 0, 1
      from kb_articles a, generate_series(0, 99) o
      where (substr(a.external_id, 2)::int - 1) * 100 + o < ${CHUNKS}`);
    const chunkIds = (
      await queryRows<{ id: string }>(db, sql`select id from kb_chunks order by id`)
    ).map((r) => r.id);
    const vectors = chunkIds.map(() => sample());
    for (let start = 0; start < chunkIds.length; start += 1_000) {
      await insertChunkEmbeddings(
        db,
        MODEL,
        chunkIds.slice(start, start + 1_000).map((chunkId, i) => ({
          chunkId,
          embedding: vectors[start + i]!,
        })),
      );
    }
    const loadMs = performance.now() - t0;

    // Build as an operator would on an existing table: more memory and parallel workers than the
    // incremental path gets, which is what makes a 100k build take seconds rather than minutes.
    const t1 = performance.now();
    await db.execute(sql`set maintenance_work_mem = '1GB'`);
    await db.execute(sql`set max_parallel_maintenance_workers = 2`);
    await ensureVectorIndex(db, MODEL, DIM);
    const buildMs = performance.now() - t1;
    await db.execute(sql`vacuum analyze kb_chunk_embeddings`);
    const [size] = await queryRows<{ size: string }>(
      db,
      sql.raw(`select pg_size_pretty(pg_relation_size('${vectorIndexName(MODEL)}')) size`),
    );

    // Queries come from the same topic distribution but are not in the table.
    const queries = Array.from({ length: QUERIES }, () => sample());
    const exact = queries.map((q) => {
      const scored = vectors.map((v, i) => {
        let dot = 0;
        for (let d = 0; d < DIM; d++) dot += q[d]! * v[d]!;
        return [dot, i] as const;
      });
      scored.sort((a, b) => b[0] - a[0]);
      return new Set(scored.slice(0, K).map(([, i]) => chunkIds[i]!));
    });

    const model = { name: MODEL, dimension: DIM };
    // Warm the index into shared buffers / page cache, as a running service would be.
    for (const q of queries.slice(0, 50)) await vectorCandidates(db, model, q, K);
    const runs = [];
    for (const efSearch of [40, 64, 100, 200]) {
      const latencies: number[] = [];
      let hits = 0;
      for (let i = 0; i < queries.length; i++) {
        const started = performance.now();
        // The default is the production path: one statement at the server's ef_search (40).
        const found = await vectorCandidates(
          db,
          model,
          queries[i]!,
          K,
          undefined,
          efSearch === 40 ? undefined : efSearch,
        );
        latencies.push(performance.now() - started);
        hits += found.filter((c) => exact[i]!.has(c.chunkId)).length;
      }
      latencies.sort((a, b) => a - b);
      runs.push({
        efSearch,
        default: efSearch === 40,
        queryP50Ms: round(percentile(latencies, 50)),
        queryP95Ms: round(percentile(latencies, 95)),
        recallAt10: round(hits / (queries.length * K), 4),
      });
    }
    const plan = await queryRows<Record<string, string>>(
      db,
      sql`explain ${vectorCandidatesQuery(model, queries[0]!, K)}`,
    );
    const planText = plan.map((row) => Object.values(row).join(' ')).join('\n');
    // The tuned setting: the most exact ef_search that still meets the latency target.
    const tuned =
      runs
        .filter((r) => r.recallAt10 >= 0.95 && r.queryP95Ms <= 10)
        .sort((a, b) => b.recallAt10 - a.recallAt10)[0] ?? null;
    console.log(
      JSON.stringify({
        chunks: chunkIds.length,
        dimension: DIM,
        topics: TOPICS,
        topicSubspaceRank: SUBSPACE,
        queries: QUERIES,
        hnsw: { m: 16, efConstruction: 64, buildMs: Math.round(buildMs), indexSize: size?.size },
        loadMs: Math.round(loadMs),
        planUsesHnsw: planText.includes(vectorIndexName(MODEL)),
        runs,
        tuned,
        target: { queryP95Ms: 10, recallAt10: 0.95, met: tuned !== null },
      }),
    );
  } finally {
    await database.close();
    // BENCH_KEEP=1 leaves the database for EXPLAIN ANALYZE sessions.
    if (!process.env.BENCH_KEEP)
      await admin.unsafe(`drop database if exists ${DB_NAME} with (force)`);
    await admin.end();
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
