import { type SQL, sql } from 'drizzle-orm';
import { type Db, HNSW_EF_SEARCH } from '../db/client.js';
import { listEmbeddingModels, queryRows } from '../db/queries/kb.js';
import type { KbEmbeddingModel } from '../db/schema/kb-embeddings.js';
import type { Embedder } from '../models/embedder/types.js';
import type { QueryTerm } from './evidence.js';
import { type Candidate, hasFilters, type SearchFilters } from './search-filters.js';
import {
  type Bm25fParams,
  type LexicalRow,
  lexicalCandidates,
  lexicalCandidatesParts,
  lexicalRowsToCandidates,
} from './search-lexical.js';
import { pickQueryModel, vectorCandidates, vectorCandidatesQuery } from './search-vector.js';
import { correctQuery, type EnglishWords } from './spelling.js';
import { type ExpansionOptions, expandQuery, type Thesaurus } from './synonyms.js';

/**
 * Knowledge-base search: the lexical side (`search-lexical.ts`) and the vector side
 * (`search-vector.ts`), fused here into passages. Unfiltered hybrid search at the server's
 * ef_search sends both sides' statements as one; otherwise they run concurrently.
 */

export type SearchMode = 'hybrid' | 'lexical' | 'vector';

export interface SearchRequest {
  query: string;
  limit?: number;
  filters?: SearchFilters;
  mode?: SearchMode;
  /** At most this many passages per article (drafts cite several articles rather than one). */
  perArticle?: number;
  /**
   * Also the query's word statistics (`SearchResult.terms`), read by the search's own statement
   * when it is one (hybrid, unfiltered, the server's ef_search, with `perArticle`).
   */
  terms?: boolean;
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
  /** The query as searched: spelling-corrected when `SearchOptions.spelling` is set. */
  query: string;
  passages: Passage[];
  /** Embedding model used for the vector side; null when search ran lexical only. */
  model: string | null;
  /**
   * The vector side's cosines, best first: the query's nearest chunks, whichever article. What
   * a cosine is worth depends on the query (a short text's cosines are high by chance), and this
   * is its own reference: the draft confidence reads how spread out they are.
   */
  vectorScores: number[];
  /**
   * With `SearchRequest.terms`, when the search ran as one statement: the query's lexemes in
   * every configuration the corpus uses, with their document frequencies, and which articles of
   * the candidates (every chunk either side found, a superset of the passages' articles) contain
   * them; narrow them with `narrowTerms` (evidence.ts) to what `queryTerms` would return. Null:
   * not read, ask `queryTerms`.
   */
  terms: QueryTerm[] | null;
  timings: { lexicalMs: number; vectorMs: number; totalMs: number };
}

export interface SearchOptions {
  /** Embedders able to embed queries; the newest ready model among them is used. */
  embedders?: readonly Embedder[];
  /**
   * The index's embedding models when the caller already has them (a pipeline job's cached
   * settings); read from the database when unset.
   */
  embeddingModels?: readonly KbEmbeddingModel[];
  bm25f?: Partial<Bm25fParams>;
  /** Weight of the lexical side in the fused score (the vector side gets 1 − this). */
  lexicalWeight?: number;
  /** Weight of the title's coverage by the query, added to the fused score. */
  titleWeight?: number;
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
  /**
   * English words for spelling correction (`englishWords` in `spelling.ts`): query words the KB never uses
   * that are one edit from a KB word and not in the dictionary are read as that KB word, on both
   * sides. Unset or null: the query as written.
   */
  spelling?: EnglishWords | null;
  /** The KB's signature (`kbSignatureSql`) if the caller read it: spares the spelling's read. */
  kbSignature?: string;
}

export const fusionDefaults = { lexicalWeight: 0.5, titleWeight: 0.2, candidates: 40 } as const;

/**
 * Convex combination of the two sides: BM25 divided by the best BM25 of the query (so the top
 * lexical hit scores 1), plus cosine similarity as is (clamped at 0). A chunk missing from one side
 * scores 0 there. Cosine is deliberately not min-max scaled: when every candidate is about equally
 * similar (long queries, long passages) scaling would turn noise into a full-range signal, while
 * raw cosine lets the vector side speak only as loudly as it is sure. Measured against reciprocal
 * rank fusion (k 10–60, weighted or not), z-score and min-max fusion on two unrelated sets (the
 * bitext FAQ and the multilingual ticket answers): the only rule that beat BM25F alone on both.
 *
 * On top, `titleWeight` × the share of the article title's words the query has (lexical side:
 * `titleCover`). BM25F already weighs title words up, but in one sum with the body, where an
 * incidental word repeated in another article's body ("gold account" in "Edit account") outweighs
 * the query naming the title ("create gold account" → "Create account"). Titles that name nothing
 * ("Reply 123") are covered alike for every article and change no order. The sum is divided by
 * 1 + titleWeight to stay in [0, 1].
 */
export function fuseScores(
  lexical: Candidate[],
  vector: Candidate[],
  lexicalWeight: number,
  titleWeight = 0,
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
    e.score += wl * (lexMax > 0 ? c.score / lexMax : 0) + titleWeight * (c.titleCover ?? 0);
  });
  vector.forEach((c, i) => {
    const e = entry(c.chunkId);
    e.vector = c.score;
    e.vr = i + 1;
    e.score += wv * Math.max(0, c.score);
  });
  // Back into [0, 1].
  if (titleWeight > 0) for (const e of fused.values()) e.score /= 1 + titleWeight;
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
  const asked = request.query.trim();
  const query =
    asked && options.spelling
      ? await correctQuery(db, asked, options.spelling, options.kbSignature)
      : asked;
  const empty: SearchResult = {
    query,
    passages: [],
    model: null,
    vectorScores: [],
    terms: null,
    timings: { lexicalMs: 0, vectorMs: 0, totalMs: 0 },
  };
  if (!query) return empty;

  const expansions = () =>
    options.synonyms ? expandQuery(options.synonyms, query, options.expansion) : [];
  // The index returns at most ef_search rows: raise it when more candidates are wanted.
  const efSearch = options.efSearch ?? (candidates > HNSW_EF_SEARCH ? candidates : undefined);
  // The query's embedding (null: no usable model, or a query of function words only, which
  // embeds as the zero vector: no direction, so the vector side has nothing to say; NaN cosines
  // made the fused ranking arbitrary and the draft confidence NaN).
  const embedQuery = async () => {
    if (mode === 'lexical') return null;
    const model = pickQueryModel(
      options.embeddingModels ?? (await listEmbeddingModels(db)),
      options.embedders ?? [],
    );
    if (!model) return null;
    const t = performance.now();
    const [queryVector] = await model.embedder.embed([query]);
    const ms = performance.now() - t;
    return queryVector?.some((x) => x !== 0) ? { model, queryVector, ms } : { model: null, ms };
  };

  // The two sides are independent: on a connection pool they run concurrently.
  const lexicalSide = async () => {
    if (mode === 'vector') return { candidates: [] as Candidate[], ms: 0 };
    const t = performance.now();
    const found = await lexicalCandidates(
      db,
      query,
      candidates,
      request.filters,
      options.bm25f,
      expansions(),
    );
    return { candidates: found, ms: performance.now() - t };
  };
  const vectorSide = async (
    embedded:
      | Awaited<ReturnType<typeof embedQuery>>
      | Promise<Awaited<ReturnType<typeof embedQuery>>>,
  ) => {
    const e = await embedded;
    if (!e?.model) return { candidates: [] as Candidate[], ms: e?.ms ?? 0, model: null };
    const t = performance.now();
    const found = await vectorCandidates(
      db,
      e.model,
      e.queryVector,
      candidates,
      request.filters,
      efSearch,
    );
    return { candidates: found, ms: e.ms + performance.now() - t, model: e.model.name };
  };
  const perArticle = request.perArticle ?? Number.POSITIVE_INFINITY;
  // With a per-article cap the passages of every fused candidate are read (each side returns at
  // most `candidates`, so there are at most `candidates * 2`), so the statement that finds the
  // candidates can return their passages too.
  const fetchesAll = perArticle !== Number.POSITIVE_INFINITY;
  const [lexicalResult, vectorResult] = await (async (): Promise<
    readonly [
      {
        candidates: Candidate[];
        ms: number;
        passages?: PassageRow[] | null;
        terms?: QueryTerm[] | null;
      },
      { candidates: Candidate[]; ms: number; model: string | null },
    ]
  > => {
    // Hybrid with a vector side of one plain statement (no filters, the server's ef_search): both
    // sides in one statement, one round trip where there were two (issue #18). The embedding is
    // computed first, so the lexical side no longer overlaps it.
    if (mode === 'hybrid' && efSearch === undefined && !hasFilters(request.filters)) {
      const embedded = await embedQuery();
      if (embedded?.model) {
        const t = performance.now();
        const both = await lexicalAndVectorCandidates(
          db,
          lexicalCandidatesParts(query, candidates, request.filters, options.bm25f, expansions()),
          vectorCandidatesQuery(embedded.model, embedded.queryVector, candidates),
          { passages: fetchesAll, terms: fetchesAll && request.terms === true },
        );
        const ms = performance.now() - t;
        return [
          { candidates: both.lexical, ms, passages: both.passages, terms: both.terms },
          { candidates: both.vector, ms: embedded.ms + ms, model: embedded.model.name },
        ] as const;
      }
      return Promise.all([lexicalSide(), vectorSide(embedded)]);
    }
    return Promise.all([lexicalSide(), vectorSide(embedQuery())]);
  })();
  const lexical = lexicalResult.candidates;
  const vector = vectorResult.candidates;
  const lexicalMs = lexicalResult.ms;
  const vectorMs = vectorResult.ms;
  const modelName = vectorResult.model;

  const fused = fuseScores(
    lexical,
    vector,
    options.lexicalWeight ?? fusionDefaults.lexicalWeight,
    mode === 'hybrid' ? (options.titleWeight ?? fusionDefaults.titleWeight) : 0,
  );
  const ranked = [...fused.entries()].sort(
    (a, b) => b[1].score - a[1].score || (a[0] < b[0] ? -1 : 1),
  );
  const rows =
    lexicalResult.passages ??
    (await fetchPassages(
      db,
      ranked
        .slice(0, Math.min(ranked.length, fetchesAll ? candidates * 2 : limit))
        .map(([id]) => id),
    ));
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
    passages.push(
      toPassage(row, s.score, {
        lexical: s.lexical,
        vector: s.vector,
        lexicalRank: s.lr,
        vectorRank: s.vr,
      }),
    );
  }
  return {
    query,
    passages,
    model: modelName,
    vectorScores: vector.map((c) => c.score).sort((a, b) => b - a),
    terms: lexicalResult.terms ?? null,
    timings: { lexicalMs, vectorMs, totalMs: performance.now() - started },
  };
}

/**
 * Both sides' candidates from one statement: each side's own statement, unchanged, as a branch
 * of a UNION ALL. With `passages`, the same statement also returns the passage of every
 * candidate (rows of side `p`, one per chunk): the read `fetchPassages` would make next. With
 * `terms` (and `passages`), also the query's word statistics (rows of side `t`): what
 * `queryTerms` (evidence.ts) reads in a statement of its own, here from the lexical side's own
 * lexemes and document frequencies (`qtok`, `udf`), for the articles of every candidate. One
 * round trip per draft where there were three.
 */
async function lexicalAndVectorCandidates(
  db: Db,
  lexical: { ctes: SQL; select: SQL },
  vectorQuery: SQL,
  want: { passages: boolean; terms: boolean },
): Promise<{
  lexical: Candidate[];
  vector: Candidate[];
  passages: PassageRow[] | null;
  terms: QueryTerm[] | null;
}> {
  // Each branch numbered by its statement's own ORDER BY (a union keeps no order); the vector
  // side's `score` column carries its distance.
  const sides = sql`select 'l' side, row_number() over (order by l.score desc, l.chunk_id) n,
          l.chunk_id, l.score, l.title_cover
        from (${lexical.select}) l
      union all
      select 'v', row_number() over (order by v.distance, v.chunk_id), v.chunk_id, v.distance,
          null::float8
        from (${vectorQuery}) v`;
  const withTerms = want.passages && want.terms;
  // The statistics `queryTerms` reads: every distinct lexeme of the query (df 0 when the corpus
  // lacks it: `udf` keeps only the ones it has) and which candidate articles contain it: one
  // primary-key probe per lexeme the corpus has and chunk of a candidate article in the lexeme's
  // configuration (a chunk's postings are in its own). Forced as probes: planned as a join, the
  // planner's guess of thousands of query lexemes made it scan every posting (~20 ms on the
  // 1,167-article ticket-answers KB, against ~1 ms).
  const termCtes = withTerms
    ? sql`,
      qterms as (
        select q.text_config, q.lexeme, s.chunks::float8 corpus_chunks,
          coalesce(u.df, 0)::float8 df
        from (select distinct text_config, lexeme from qtok) q
        join kb_corpus_stats s on s.text_config = q.text_config
        left join udf u on u.text_config = q.text_config and u.lexeme = q.lexeme
      ),
      hits as (
        select c.text_config, l.lexeme, array_agg(distinct c.article_id::text) articles
        from kb_chunks c
        cross join unnest(array(select distinct lexeme from qterms where df > 0)) l(lexeme)
        cross join lateral (
          select 1 from kb_postings p
          where p.text_config = c.text_config and p.lexeme = l.lexeme and p.chunk_id = c.id
          limit 1
        ) hit
        where c.article_id = any(array(
            select fc.article_id from kb_chunks fc where fc.id in (select chunk_id from found)))
        group by c.text_config, l.lexeme
      )`
    : sql``;
  const termColumns = sql`null::text term_config, null::text lexeme, null::float8 corpus_chunks,
            null::float8 df, null::text[] articles`;
  const rows = await queryRows<
    LexicalRow & { side: 'l' | 'v' | 'p' | 't'; n: number } & Partial<PassageRow> & Partial<TermRow>
  >(
    db,
    want.passages
      ? sql`with ${lexical.ctes}, found as (${sides})${termCtes}
          select side, n, chunk_id, score, title_cover, null::uuid article_id,
            null::text external_id, null::text title, null::text url, null::text section,
            null::text text, null::text[] tags, null::text language, ${termColumns}
          from found
          union all
          select 'p', null, c.id, null, null, a.id, a.external_id, a.title, a.url, c.section,
            c.text, a.tags, a.language, ${termColumns}
          from kb_chunks c join kb_articles a on a.id = c.article_id
          where c.id in (select chunk_id from found)
          ${
            withTerms
              ? sql`union all
          select 't', null, null, null, null, null, null, null, null, null, null, null, null,
            q.text_config, q.lexeme, q.corpus_chunks, q.df, h.articles
          from qterms q
          left join hits h on h.text_config = q.text_config and h.lexeme = q.lexeme`
              : sql``
          }`
      : sql`with ${lexical.ctes} ${sides}`,
  );
  const side = (tag: 'l' | 'v') =>
    rows.filter((r) => r.side === tag).sort((a, b) => Number(a.n) - Number(b.n));
  return {
    lexical: lexicalRowsToCandidates(side('l')),
    vector: side('v').map((r) => ({ chunkId: r.chunk_id, score: 1 - Number(r.score) })),
    passages: want.passages ? (rows.filter((r) => r.side === 'p') as PassageRow[]) : null,
    terms: withTerms
      ? (rows.filter((r) => r.side === 't') as TermRow[]).map((r) => ({
          textConfig: r.term_config,
          lexeme: r.lexeme,
          df: Number(r.df),
          n: Number(r.corpus_chunks),
          articles: r.articles ?? [],
        }))
      : null,
  };
}

interface TermRow {
  term_config: string;
  lexeme: string;
  corpus_chunks: number;
  df: number;
  articles: string[] | null;
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

/**
 * The opening passages (by position) of the given articles, for an article chosen by something
 * other than this query's search (an answered question, src/kb/answered.ts): no search scores.
 */
export async function articlePassages(
  db: Db,
  articleIds: readonly string[],
  perArticle: number,
): Promise<Passage[]> {
  if (articleIds.length === 0) return [];
  const ids = sql.join(
    articleIds.map((id) => sql`${id}`),
    sql`, `,
  );
  const rows = await queryRows<PassageRow>(
    db,
    sql`
      select c.id chunk_id, a.id article_id, a.external_id, a.title, a.url, c.section, c.text,
        a.tags, a.language
      from kb_articles a
      cross join lateral (
        select * from kb_chunks c where c.article_id = a.id order by c.ordinal limit ${perArticle}
      ) c
      where a.id = any(array[${ids}]::uuid[])
      order by a.id, c.ordinal`,
  );
  return rows.map((row) =>
    toPassage(row, 0, { lexical: null, vector: null, lexicalRank: null, vectorRank: null }),
  );
}

function toPassage(row: PassageRow, score: number, scores: Passage['scores']): Passage {
  return {
    chunkId: row.chunk_id,
    articleId: row.article_id,
    externalId: row.external_id,
    title: row.title,
    url: row.url,
    section: row.section,
    text: row.text,
    tags: row.tags,
    language: row.language,
    score,
    scores,
  };
}
