import { type SQL, sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { listEmbeddingModels, queryRows } from '../db/queries/kb.js';
import { withTransaction } from '../db/tx.js';
import type { Embedder } from '../models/embedder/types.js';
import { normalizeLanguage } from './language.js';
import {
  type ExpansionOptions,
  type ExpansionTerm,
  expandQuery,
  type Thesaurus,
} from './synonyms.js';
import { INDEX_VECTOR_TYPE, modelLiteral } from './vector-index.js';

export interface SearchFilters {
  /** Passages from articles carrying at least one of these tags. */
  tags?: string[];
  /** ISO 639-1 code of the article language. */
  language?: string;
  product?: string;
}

export type SearchMode = 'hybrid' | 'lexical' | 'vector';

export interface SearchRequest {
  query: string;
  limit?: number;
  filters?: SearchFilters;
  mode?: SearchMode;
  /** At most this many passages per article (drafts cite several articles rather than one). */
  perArticle?: number;
}

export interface Passage {
  chunkId: string;
  articleId: string;
  externalId: string;
  title: string;
  url: string | null;
  section: string;
  text: string;
  tags: string[];
  language: string;
  /** Fused score in [0, 1]; higher is better; comparable within one query only. */
  score: number;
  scores: {
    lexical: number | null;
    vector: number | null;
    lexicalRank: number | null;
    vectorRank: number | null;
  };
}

export interface SearchResult {
  passages: Passage[];
  /** Embedding model used for the vector side; null when search ran lexical only. */
  model: string | null;
  timings: { lexicalMs: number; vectorMs: number; totalMs: number };
}

/**
 * BM25F parameters. Titles and headings are short and nearly constant in length, so they are
 * barely length-normalised but weighted up: a query word in the title or section heading is much
 * stronger evidence than one in the body. k1 = 2 (upper end of the usual 1.2–2 range) beat 1.2
 * and 1.6 on both evaluation sets (bitext FAQ: short queries; multilingual ticket answers: long
 * ones): support queries repeat their key term less than prose does, so saturating later helps.
 *
 * Term dependence follows the sequential dependence model (Metzler & Croft, SIGIR 2005): the
 * score is 0.85 × BM25F of the query's lexemes + 0.15 × BM25F of its ordered bigrams (adjacent
 * lexemes once stop words are dropped, scored like any other term, with their own document
 * frequency). 0.85 is SDM's standard term weight; the 0.15 left for dependence all goes to the
 * ordered feature because the unordered-window one would multiply the postings about sevenfold.
 * `bigramWeight: 0` turns it off (plain BM25F).
 */
export const bm25fDefaults = {
  k1: 2,
  bigramWeight: 0.15,
  titleWeight: 3,
  sectionWeight: 2,
  bodyWeight: 1,
  titleB: 0.3,
  sectionB: 0.3,
  bodyB: 0.75,
};
export type Bm25fParams = typeof bm25fDefaults;

export interface SearchOptions {
  /** Embedders able to embed queries; the newest ready model among them is used. */
  embedders?: readonly Embedder[];
  bm25f?: Partial<Bm25fParams>;
  /** Weight of the lexical side in the fused score (the vector side gets 1 − this). */
  lexicalWeight?: number;
  /** Candidates taken from each side before fusion. */
  candidates?: number;
  /**
   * HNSW candidate list size; higher is slower and more exact. Unset: the server's setting
   * (pgvector's default 40, ample for the 40 candidates fused per side).
   */
  efSearch?: number;
  /**
   * Thesaurus whose synonyms and hypernyms of the query's words are added to the lexical side at
   * lower weight (`thesaurusFor(config.KB_SYNONYMS)`); unset or null: no expansion.
   */
  synonyms?: Thesaurus | null;
  /** Expansion weights and sense limits; `expansionDefaults` when unset. */
  expansion?: Partial<ExpansionOptions>;
}

export const fusionDefaults = { lexicalWeight: 0.5, candidates: 40 } as const;
const PGVECTOR_DEFAULT_EF_SEARCH = 40;

interface Candidate {
  chunkId: string;
  score: number;
}

function filterConditions(filters: SearchFilters | undefined): SQL[] {
  const conditions: SQL[] = [];
  if (filters?.tags?.length) {
    const tags = sql.join(
      filters.tags.map((tag) => sql`${tag}`),
      sql`, `,
    );
    conditions.push(sql`c.tags && array[${tags}]::text[]`);
  }
  if (filters?.language) conditions.push(sql`c.language = ${normalizeLanguage(filters.language)}`);
  if (filters?.product) conditions.push(sql`c.product = ${filters.product}`);
  return conditions;
}

function hasFilters(filters: SearchFilters | undefined): boolean {
  return Boolean(filters?.tags?.length || filters?.language || filters?.product);
}

function whereClause(conditions: SQL[]): SQL {
  return conditions.length ? sql`and ${sql.join(conditions, sql` and `)}` : sql``;
}

/**
 * BM25F over the postings table. The query is analysed with every text-search configuration the
 * corpus uses, and each chunk only matches lexemes of its own configuration, so a German query
 * meets German stemming and an English one English stemming without detecting the language.
 * Document frequencies come from the postings themselves (an index range per query lexeme or
 * bigram). Chunks indexed before bigram postings existed (INDEX_VERSION 1) still score on their
 * lexemes; re-importing the source re-indexes them.
 */
export async function lexicalCandidates(
  db: Db,
  query: string,
  limit: number,
  filters?: SearchFilters,
  params: Partial<Bm25fParams> = {},
  expansions: readonly ExpansionTerm[] = [],
): Promise<Candidate[]> {
  const merged = { ...bm25fDefaults, ...params };
  // Inlined as float literals: as bind parameters Postgres would infer integer from `1 - $n`.
  const p = Object.fromEntries(
    Object.entries(merged).map(([key, value]) => {
      if (!Number.isFinite(value))
        throw new Error(`BM25F parameter ${key} must be a finite number`);
      return [key, sql.raw(`${value}::float8`)];
    }),
  ) as Record<keyof Bm25fParams, SQL>;
  const k1PlusOne = sql.raw(`${merged.k1 + 1}::float8`);
  if (merged.bigramWeight < 0 || merged.bigramWeight >= 1) {
    throw new Error('BM25F parameter bigramWeight must be in [0, 1)');
  }
  const unigramWeight = sql.raw(`${1 - merged.bigramWeight}::float8`);
  // Adjacent lexemes of the query in one configuration (stop words removed), looked up only when
  // both lexemes occur in the knowledge base: a long query has hundreds of bigrams, most of them
  // impossible, and each lookup is an index probe.
  const bigrams =
    merged.bigramWeight > 0
      ? sql`union all
        select bt.text_config, bt.lexeme, d.df, ${p.bigramWeight}
        from (
          select distinct b.text_config, b.lexeme || chr(31) || b.next_lexeme lexeme
          from (
            select text_config, lexeme,
              lead(lexeme) over (partition by text_config order by pos) next_lexeme
            from qtok
          ) b
          join udf u1 on u1.text_config = b.text_config and u1.lexeme = b.lexeme
          join udf u2 on u2.text_config = b.text_config and u2.lexeme = b.next_lexeme
        ) bt
        cross join lateral (
          select count(*)::float8 df from kb_postings p
          where p.text_config = bt.text_config and p.lexeme = bt.lexeme
        ) d
        where d.df > 0`
      : sql``;
  // Thesaurus terms (WordNet: English only) join the English lexemes at their own weight, unless
  // the query has the lexeme itself or the source word is a stop word (empty tsvector). The
  // weights go in as JSON: drizzle would expand a JS array into a list of parameters.
  const expansionTerms =
    expansions.length > 0
      ? sql`union all
        select et.text_config, et.lexeme, d.df, ${unigramWeight} * et.w
        from (
          select s.text_config, t.lexeme, max(e.weight) w
          from kb_corpus_stats s,
            jsonb_to_recordset(${JSON.stringify(expansions)}::jsonb)
              e(source text, term text, weight float8),
            unnest(to_tsvector(s.text_config::regconfig, e.term)) t
          where s.chunks > 0 and s.text_config = 'english'
            and length(to_tsvector(s.text_config::regconfig, e.source)) > 0
            and not exists (
              select 1 from qtok q where q.text_config = s.text_config and q.lexeme = t.lexeme
            )
          group by s.text_config, t.lexeme
        ) et
        cross join lateral (
          select count(*)::float8 df from kb_postings p
          where p.text_config = et.text_config and p.lexeme = et.lexeme
        ) d
        where d.df > 0`
      : sql``;
  const rows = await queryRows<{ chunk_id: string; score: number }>(
    db,
    sql`
      with qtok as (
        select s.text_config, t.lexeme, p.pos
        from kb_corpus_stats s, unnest(to_tsvector(s.text_config::regconfig, ${query})) t,
          unnest(t.positions) p(pos)
        where s.chunks > 0
      ),
      -- Document frequency by one index probe per query term, whatever the planner's statistics
      -- say: without them (right after a bulk import) a join was planned as a scan of the whole
      -- postings index.
      udf as (
        select ut.text_config, ut.lexeme, d.df
        from (select distinct text_config, lexeme from qtok) ut
        cross join lateral (
          select count(*)::float8 df from kb_postings p
          where p.text_config = ut.text_config and p.lexeme = ut.lexeme
        ) d
        where d.df > 0
      ),
      df as (
        select text_config, lexeme, df, ${unigramWeight} w from udf
        ${bigrams}
        ${expansionTerms}
      ),
      st as (
        select text_config, chunks::float8 n,
          greatest(title_length_sum::float8 / nullif(chunks, 0), 1) avg_t,
          greatest(section_length_sum::float8 / nullif(chunks, 0), 1) avg_s,
          greatest(body_length_sum::float8 / nullif(chunks, 0), 1) avg_b
        from kb_corpus_stats
      )
      select x.chunk_id, sum(x.w * x.idf * x.tf * ${k1PlusOne} / (x.tf + ${p.k1}))::float8 score
      from (
        select p.chunk_id, df.w,
          ln(1 + (st.n - df.df + 0.5) / (df.df + 0.5)) idf,
          ${p.titleWeight} * p.title_tf / (1 - ${p.titleB} + ${p.titleB} * c.title_length / st.avg_t)
          + ${p.sectionWeight} * p.section_tf
            / (1 - ${p.sectionB} + ${p.sectionB} * c.section_length / st.avg_s)
          + ${p.bodyWeight} * p.body_tf / (1 - ${p.bodyB} + ${p.bodyB} * c.body_length / st.avg_b)
            tf
        from kb_postings p
        join df using (text_config, lexeme)
        join st using (text_config)
        join kb_chunks c on c.id = p.chunk_id
        where true ${whereClause(filterConditions(filters))}
      ) x
      group by x.chunk_id
      order by score desc, x.chunk_id
      limit ${limit}`,
  );
  return rows.map((r) => ({ chunkId: r.chunk_id, score: Number(r.score) }));
}

/**
 * Nearest chunks by cosine similarity through the model's partial HNSW index. With filters,
 * pgvector's iterative scan keeps walking the graph until enough rows pass the filter (relaxed
 * order, so rows are re-sorted here); without it a selective filter would starve the result.
 * Those settings need a transaction (SET LOCAL); an unfiltered search at the server's ef_search
 * (pgvector's 40, or whatever the operator set with ALTER DATABASE … SET hnsw.ef_search) is a
 * single statement, which is most of its latency budget saved on a loaded server.
 */
export async function vectorCandidates(
  db: Db,
  model: { name: string; dimension: number },
  queryVector: Float32Array,
  limit: number,
  filters?: SearchFilters,
  efSearch?: number,
): Promise<Candidate[]> {
  const toCandidates = (rows: { chunk_id: string; distance: number }[]) =>
    rows.map((r) => ({ chunkId: r.chunk_id, score: 1 - Number(r.distance) }));
  const query = vectorCandidatesQuery(model, queryVector, limit, filters);
  if (efSearch === undefined && !hasFilters(filters)) {
    return toCandidates(await queryRows(db, query));
  }
  return withTransaction(db, async (tx) => {
    if (efSearch !== undefined) {
      const ef = sql.raw(String(Math.max(limit, Math.trunc(efSearch))));
      await tx.execute(sql`set local hnsw.ef_search = ${ef}`);
    }
    if (hasFilters(filters)) await tx.execute(sql`set local hnsw.iterative_scan = relaxed_order`);
    return toCandidates(await queryRows(tx, query));
  });
}

/** The nearest-neighbour statement, shared with the benchmark's EXPLAIN. */
export function vectorCandidatesQuery(
  model: { name: string; dimension: number },
  queryVector: Float32Array,
  limit: number,
  filters?: SearchFilters,
): SQL {
  const dim = sql.raw(String(Math.trunc(model.dimension)));
  // Must repeat the index expression exactly, or the planner cannot use the HNSW index.
  const indexType = sql.raw(INDEX_VECTOR_TYPE);
  const literal = `[${Array.from(queryVector).join(',')}]`;
  return sql`
    select chunk_id, distance from (
      select e.chunk_id,
        (e.embedding::${indexType}(${dim})) <=> ${literal}::${indexType}(${dim}) distance
      from kb_chunk_embeddings e
      ${hasFilters(filters) ? sql`join kb_chunks c on c.id = e.chunk_id` : sql``}
      where e.model = ${modelLiteral(model.name)} ${whereClause(filterConditions(filters))}
      order by distance
      limit ${limit}
    ) nearest
    order by distance, chunk_id`;
}

/** The newest ready model that one of `embedders` can embed queries for. */
export async function pickQueryModel(
  db: Db,
  embedders: readonly Embedder[],
): Promise<{ embedder: Embedder; name: string; dimension: number } | null> {
  if (embedders.length === 0) return null;
  const ready = (await listEmbeddingModels(db))
    .filter((m) => m.state === 'ready')
    .sort((a, b) => (b.readyAt?.getTime() ?? 0) - (a.readyAt?.getTime() ?? 0));
  for (const model of ready) {
    const embedder = embedders.find((e) => e.name === model.name);
    if (embedder && embedder.dimension === model.dimension) {
      return { embedder, name: model.name, dimension: model.dimension };
    }
  }
  return null;
}

/**
 * Convex combination of the two sides: BM25 divided by the best BM25 of the query (so the top
 * lexical hit scores 1), plus cosine similarity as is (clamped at 0). A chunk missing from one side
 * scores 0 there. Cosine is deliberately not min-max scaled: when every candidate is about equally
 * similar (long queries, long passages) scaling would turn noise into a full-range signal, while
 * raw cosine lets the vector side speak only as loudly as it is sure. Measured against reciprocal
 * rank fusion (k 10–60, weighted or not), z-score and min-max fusion on two unrelated sets (the
 * bitext FAQ and the multilingual ticket answers): the only rule that beat BM25F alone on both.
 */
export function fuseScores(
  lexical: Candidate[],
  vector: Candidate[],
  lexicalWeight: number,
): Map<string, FusedScore> {
  const fused = new Map<string, FusedScore>();
  const lexMax = Math.max(0, ...lexical.map((c) => c.score));
  const entry = (id: string) => {
    let e = fused.get(id);
    if (!e) {
      e = { score: 0, lexical: null, vector: null, lr: null, vr: null };
      fused.set(id, e);
    }
    return e;
  };
  const wl = vector.length ? lexicalWeight : 1;
  const wv = lexical.length ? 1 - lexicalWeight : 1;
  lexical.forEach((c, i) => {
    const e = entry(c.chunkId);
    e.lexical = c.score;
    e.lr = i + 1;
    e.score += wl * (lexMax > 0 ? c.score / lexMax : 0);
  });
  vector.forEach((c, i) => {
    const e = entry(c.chunkId);
    e.vector = c.score;
    e.vr = i + 1;
    e.score += wv * Math.max(0, c.score);
  });
  return fused;
}

interface FusedScore {
  score: number;
  lexical: number | null;
  vector: number | null;
  lr: number | null;
  vr: number | null;
}

interface PassageRow {
  chunk_id: string;
  article_id: string;
  external_id: string;
  title: string;
  url: string | null;
  section: string;
  text: string;
  tags: string[];
  language: string;
}

/**
 * Hybrid retrieval over the knowledge base: BM25F (title- and heading-aware) and vector
 * similarity, fused; returns passages with everything a draft needs to cite them.
 */
export async function searchKnowledgeBase(
  db: Db,
  request: SearchRequest,
  options: SearchOptions = {},
): Promise<SearchResult> {
  const started = performance.now();
  const limit = Math.max(1, Math.min(request.limit ?? 10, 100));
  const mode = request.mode ?? 'hybrid';
  const candidates = Math.max(options.candidates ?? fusionDefaults.candidates, limit * 3);
  const query = request.query.trim();
  const empty: SearchResult = {
    passages: [],
    model: null,
    timings: { lexicalMs: 0, vectorMs: 0, totalMs: 0 },
  };
  if (!query) return empty;

  // The two sides are independent: on a connection pool they run concurrently.
  const lexicalSide = async () => {
    if (mode === 'vector') return { candidates: [] as Candidate[], ms: 0 };
    const t = performance.now();
    const expansions = options.synonyms
      ? expandQuery(options.synonyms, query, options.expansion)
      : [];
    const found = await lexicalCandidates(
      db,
      query,
      candidates,
      request.filters,
      options.bm25f,
      expansions,
    );
    return { candidates: found, ms: performance.now() - t };
  };
  const vectorSide = async () => {
    const none = { candidates: [] as Candidate[], ms: 0, model: null as string | null };
    if (mode === 'lexical') return none;
    const model = await pickQueryModel(db, options.embedders ?? []);
    if (!model) return none;
    const t = performance.now();
    const [queryVector] = await model.embedder.embed([query]);
    const found = await vectorCandidates(
      db,
      model,
      queryVector!,
      candidates,
      request.filters,
      // The index returns at most ef_search rows: raise it when more candidates are wanted.
      options.efSearch ?? (candidates > PGVECTOR_DEFAULT_EF_SEARCH ? candidates : undefined),
    );
    return { candidates: found, ms: performance.now() - t, model: model.name };
  };
  const [lexicalResult, vectorResult] = await Promise.all([lexicalSide(), vectorSide()]);
  const lexical = lexicalResult.candidates;
  const vector = vectorResult.candidates;
  const lexicalMs = lexicalResult.ms;
  const vectorMs = vectorResult.ms;
  const modelName = vectorResult.model;

  const fused = fuseScores(lexical, vector, options.lexicalWeight ?? fusionDefaults.lexicalWeight);
  const ranked = [...fused.entries()].sort(
    (a, b) => b[1].score - a[1].score || (a[0] < b[0] ? -1 : 1),
  );
  const perArticle = request.perArticle ?? Number.POSITIVE_INFINITY;
  const rows = await fetchPassages(
    db,
    ranked
      .slice(
        0,
        Math.min(ranked.length, perArticle === Number.POSITIVE_INFINITY ? limit : candidates * 2),
      )
      .map(([id]) => id),
  );
  const byId = new Map(rows.map((row) => [row.chunk_id, row]));
  const perArticleCount = new Map<string, number>();
  const passages: Passage[] = [];
  for (const [chunkId, s] of ranked) {
    if (passages.length >= limit) break;
    const row = byId.get(chunkId);
    if (!row) continue;
    const count = perArticleCount.get(row.article_id) ?? 0;
    if (count >= perArticle) continue;
    perArticleCount.set(row.article_id, count + 1);
    passages.push({
      chunkId,
      articleId: row.article_id,
      externalId: row.external_id,
      title: row.title,
      url: row.url,
      section: row.section,
      text: row.text,
      tags: row.tags,
      language: row.language,
      score: s.score,
      scores: { lexical: s.lexical, vector: s.vector, lexicalRank: s.lr, vectorRank: s.vr },
    });
  }
  return {
    passages,
    model: modelName,
    timings: { lexicalMs, vectorMs, totalMs: performance.now() - started },
  };
}

async function fetchPassages(db: Db, chunkIds: string[]): Promise<PassageRow[]> {
  if (chunkIds.length === 0) return [];
  const ids = sql.join(
    chunkIds.map((id) => sql`${id}`),
    sql`, `,
  );
  return queryRows<PassageRow>(
    db,
    sql`
      select c.id chunk_id, a.id article_id, a.external_id, a.title, a.url, c.section, c.text,
        a.tags, a.language
      from kb_chunks c join kb_articles a on a.id = c.article_id
      where c.id = any(array[${ids}]::uuid[])`,
  );
}
