/**
 * What learning from approvals costs a draft (src/kb/answered.ts): the answered-questions lookup's
 * latency against the number of lessons kept, on real PostgreSQL, with the bitext FAQ as the
 * knowledge base and its questions as lessons (cycled, each on one of the 27 articles).
 *
 *   npm run bench:answered                           # DATABASE_URL's server, or local Postgres
 *   BENCH_LESSONS=1000,10000,100000 npm run bench:answered
 *
 * Works in a fresh database (dropped afterwards). Lessons are inserted with foreign keys off
 * (`session_replication_role = replica`): a bench of the lookup, not of tickets and drafts.
 * Prints one JSON line per size: p50 / p95 ms of `answeredMatches` over 300 questions not kept.
 */
import 'dotenv/config';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { withFreshPostgres } from '../src/cli/fresh-store.js';
import type { Database } from '../src/db/client.js';
import { queryRows } from '../src/db/queries/kb.js';
import { answeredMatches } from '../src/kb/answered.js';
import { indexEvalCorpus } from '../src/kb/eval.js';
import { parseArticlesJsonl } from '../src/kb/sources/jsonl.js';
import { HashedEmbedder } from '../src/models/embedder/hashed.js';

const shared = process.env.SHARED_DIR ?? path.resolve(import.meta.dirname, '../../shared');
const sizes = (process.env.BENCH_LESSONS ?? '1000,10000,50000').split(',').map(Number);
const url = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

const percentile = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return Number(s[Math.min(s.length - 1, Math.floor(p * s.length))]!.toFixed(2));
};

async function main() {
  const kb = path.join(shared, 'data/kb/bitext-faq');
  const docs = parseArticlesJsonl(readFileSync(path.join(kb, 'docs.jsonl'), 'utf8'));
  const questions = readFileSync(path.join(kb, 'queries.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => (JSON.parse(l) as { query: string }).query);
  const asked = questions.slice(0, 300);
  const pool = questions.slice(300);
  await withFreshPostgres(url, async ({ db }: Database) => {
    await indexEvalCorpus(db, docs, new HashedEmbedder());
    const articles = (await queryRows<{ id: string }>(db, sql`select id from kb_articles`)).map(
      (r) => r.id,
    );
    let kept = 0;
    for (const size of sizes) {
      // Lessons in batches of 1,000, one statement each (analysed by Postgres as the real ones are).
      while (kept < size) {
        const n = Math.min(1_000, size - kept);
        const batch = Array.from({ length: n }, (_, i) => ({
          article: articles[(kept + i) % articles.length]!,
          question: pool[(kept + i) % pool.length]!,
        }));
        await db.transaction(async (tx) => {
          await tx.execute(sql`set local session_replication_role = replica`);
          await tx.execute(sql`
            insert into kb_answered_questions
              (article_id, ticket_id, draft_id, text_config, question, lexemes, weights,
               lexemes_key)
            select (b->>'article')::uuid, ${randomUUID()}::uuid, gen_random_uuid(), 'english',
              b->>'question', l.lexemes, l.weights, md5(array_to_string(l.lexemes, ' '))
            from jsonb_array_elements(${JSON.stringify(batch)}::jsonb) b
            cross join lateral (
              select coalesce(array_agg(t.lexeme order by t.lexeme), '{}') lexemes,
                coalesce(array_agg(1.0::float8 order by t.lexeme), '{}') weights
              from unnest(tsvector_to_array(to_tsvector('english', b->>'question'))) t(lexeme)
            ) l
            on conflict do nothing`);
        });
        kept += n;
      }
      await db.execute(sql`analyze kb_answered_questions`);
      const ms: number[] = [];
      for (const q of asked) {
        const started = performance.now();
        await answeredMatches(db, q);
        ms.push(performance.now() - started);
      }
      // Kept: the same words on the same article are one lesson.
      const [count] = await queryRows<{ n: number }>(
        db,
        sql`select count(*)::int n from kb_answered_questions`,
      );
      console.log(
        JSON.stringify({
          lessons: size,
          kept: count?.n,
          p50Ms: percentile(ms, 0.5),
          p95Ms: percentile(ms, 0.95),
        }),
      );
    }
  });
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
