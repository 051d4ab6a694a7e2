import { sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../db/client.js';
import { queryRows } from '../db/queries/kb.js';
import type { Embedder } from '../models/embedder/types.js';
import { importArticles } from './import.js';
import { indexArticle } from './indexer.js';
import { type SearchMode, type SearchOptions, searchKnowledgeBase } from './search.js';
import type { ArticleInput } from './types.js';
import { activateEmbedder } from './vector-index.js';

export const evalQuerySchema = z.object({
  query: z.string().min(1),
  relevant: z.array(z.union([z.string(), z.number()]).transform(String)).min(1),
});
export type EvalQuery = z.infer<typeof evalQuerySchema>;

export function parseEvalQueries(text: string): EvalQuery[] {
  return text
    .split(/\r?\n/)
    .map((line, i) => ({ line: line.trim(), i }))
    .filter(({ line }) => line)
    .map(({ line, i }) => {
      const parsed = evalQuerySchema.safeParse(JSON.parse(line));
      if (!parsed.success)
        throw new Error(`queries line ${i + 1}: ${parsed.error.issues[0]?.message}`);
      return parsed.data;
    });
}

export interface RetrievalMetrics {
  mrr10: number;
  recall1: number;
  recall5: number;
  ndcg10: number;
  queries: number;
  indexMs: number;
  queryP50Ms: number;
  queryP95Ms: number;
}

/** Ranking metrics of one query given the ranked article ids (binary relevance). */
export function scoreRanking(ranked: string[], relevant: string[]) {
  const rel = new Set(relevant);
  const top10 = ranked.slice(0, 10);
  const first = top10.findIndex((id) => rel.has(id));
  const hits = (k: number) => ranked.slice(0, k).filter((id) => rel.has(id)).length;
  let dcg = 0;
  top10.forEach((id, i) => {
    if (rel.has(id)) dcg += 1 / Math.log2(i + 2);
  });
  let ideal = 0;
  for (let i = 0; i < Math.min(rel.size, 10); i++) ideal += 1 / Math.log2(i + 2);
  return {
    rr: first >= 0 ? 1 / (first + 1) : 0,
    recall1: hits(1) / rel.size,
    recall5: hits(5) / rel.size,
    ndcg: ideal > 0 ? dcg / ideal : 0,
  };
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index]!;
}

const round = (n: number, digits = 4) => Number(n.toFixed(digits));

/** Imports and indexes `docs` through the production path (import → kb-index processor). */
export async function indexEvalCorpus(
  db: Db,
  docs: readonly ArticleInput[],
  embedder: Embedder,
): Promise<number> {
  const started = performance.now();
  await activateEmbedder(db, embedder);
  const result = await importArticles(db, docs, { source: 'eval', prune: true });
  for (const articleId of result.toIndex) await indexArticle(db, articleId, [embedder]);
  return performance.now() - started;
}

/**
 * Runs every query through the real search and scores the article ranking (passages deduplicated
 * to their article, first occurrence wins), as a support agent would read the citations.
 */
export type EvalMode = SearchMode | 'tsrank';

/**
 * Baseline for comparison only: Postgres' built-in ts_rank over title (weight A), section (B) and
 * body (D), with the query's lexemes OR-ed (plainto_tsquery ANDs them and matches almost nothing
 * for conversational queries).
 */
export async function tsRankArticles(db: Db, query: string, limit: number): Promise<string[]> {
  const rows = await queryRows<{ external_id: string }>(
    db,
    sql`
      with q as (
        select s.text_config,
          nullif(array_to_string(array_agg(quote_literal(t.lexeme)), ' | '), '') q
        from kb_corpus_stats s, unnest(to_tsvector(s.text_config::regconfig, ${query})) t
        group by s.text_config
      ), ranked as (
        select a.external_id, max(ts_rank(
          setweight(to_tsvector(c.text_config::regconfig, a.title), 'A') ||
          setweight(to_tsvector(c.text_config::regconfig, c.section), 'B') ||
          to_tsvector(c.text_config::regconfig, c.text),
          to_tsquery(c.text_config::regconfig, q.q))) score
        from kb_chunks c join kb_articles a on a.id = c.article_id
        join q on q.text_config = c.text_config
        where q.q is not null
        group by a.external_id
      )
      select external_id from ranked where score > 0 order by score desc, external_id limit ${limit}`,
  );
  return rows.map((r) => r.external_id);
}

export async function evaluateQueries(
  db: Db,
  queries: readonly EvalQuery[],
  options: { mode?: EvalMode; search?: SearchOptions; indexMs?: number } = {},
): Promise<RetrievalMetrics> {
  let rr = 0;
  let r1 = 0;
  let r5 = 0;
  let ndcg = 0;
  const latencies: number[] = [];
  for (const q of queries) {
    const started = performance.now();
    const mode = options.mode ?? 'hybrid';
    const ranked =
      mode === 'tsrank'
        ? await tsRankArticles(db, q.query, 10)
        : (
            await searchKnowledgeBase(
              db,
              { query: q.query, limit: 10, perArticle: 1, mode },
              options.search,
            )
          ).passages.map((p) => p.externalId);
    latencies.push(performance.now() - started);
    const s = scoreRanking(ranked, q.relevant);
    rr += s.rr;
    r1 += s.recall1;
    r5 += s.recall5;
    ndcg += s.ndcg;
  }
  latencies.sort((a, b) => a - b);
  const n = Math.max(queries.length, 1);
  return {
    mrr10: round(rr / n),
    recall1: round(r1 / n),
    recall5: round(r5 / n),
    ndcg10: round(ndcg / n),
    queries: queries.length,
    indexMs: Math.round(options.indexMs ?? 0),
    queryP50Ms: round(percentile(latencies, 50), 2),
    queryP95Ms: round(percentile(latencies, 95), 2),
  };
}
