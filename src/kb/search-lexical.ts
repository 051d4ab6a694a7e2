import { type SQL, sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { queryRows } from '../db/queries/kb.js';
import {
  type Candidate,
  filterConditions,
  type SearchFilters,
  whereClause,
} from './search-filters.js';
import type { ExpansionTerm } from './synonyms.js';

/** The lexical side of knowledge-base search: BM25F with term dependence over `kb_postings`. */

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
  const { ctes, select } = lexicalCandidatesParts(query, limit, filters, params, expansions);
  return lexicalRowsToCandidates(await queryRows<LexicalRow>(db, sql`with ${ctes} ${select}`));
}

/** A row of the BM25F statement (`lexicalCandidatesParts`), best first. */
export interface LexicalRow {
  chunk_id: string;
  score: number;
  title_cover: number | null;
}

export function lexicalRowsToCandidates(rows: LexicalRow[]): Candidate[] {
  return rows.map((r) => ({
    chunkId: r.chunk_id,
    score: Number(r.score),
    titleCover: Number(r.title_cover ?? 0),
  }));
}

/**
 * The BM25F statement of `lexicalCandidates` in two parts, also for a statement that runs it beside other work (search.ts:
 * the vector side, the passages, the query's word statistics): `ctes`, the comma-separated
 * common table expressions (`qtok`: the query's lexemes with their positions in every
 * configuration the corpus uses; `udf`: each distinct one the corpus has, with its document
 * frequency; `df`; `st`), and `select`, the ranked candidates over them.
 */
export function lexicalCandidatesParts(
  query: string,
  limit: number,
  filters?: SearchFilters,
  params: Partial<Bm25fParams> = {},
  expansions: readonly ExpansionTerm[] = [],
): { ctes: SQL; select: SQL } {
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
        select bt.text_config, bt.lexeme, d.df, ${p.bigramWeight}, false
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
        select et.text_config, et.lexeme, d.df, ${unigramWeight} * et.w, false
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
  const ctes = sql`
      qtok as (
        select s.text_config, t.lexeme, p.pos
        from kb_corpus_stats s, unnest(to_tsvector(s.text_config::regconfig, ${query})) t,
          unnest(t.positions) p(pos)
        where s.chunks > 0
      ),
      -- Document frequency by one index probe per query term, whatever the planner's statistics
      -- say: without them (right after a bulk import) a join was planned as a scan of the whole
      -- postings index.
      udf as (
        select ut.text_config, ut.lexeme, ut.qtf, d.df
        from (select text_config, lexeme, count(*)::float8 qtf from qtok group by 1, 2) ut
        cross join lateral (
          select count(*)::float8 df from kb_postings p
          where p.text_config = ut.text_config and p.lexeme = ut.lexeme
        ) d
        where d.df > 0
      ),
      df as (
        -- A word the query repeats weighs more, saturating as BM25's own term frequency does
        -- (k3 = 1.2, Robertson's query-term factor): the draft query counts the ticket's subject
        -- twice (src/pipeline/draft/draft.ts, leadLine), and a question about cancelling that
        -- says "cancel" twice is about cancelling more than about the order it mentions once.
        select text_config, lexeme, df, ${unigramWeight} * 2.2 * qtf / (1.2 + qtf) w,
          lexeme !~ '[0-9]' own from udf
        ${bigrams}
        ${expansionTerms}
      ),
      st as (
        select text_config, chunks::float8 n,
          greatest(title_length_sum::float8 / nullif(chunks, 0), 1) avg_t,
          greatest(section_length_sum::float8 / nullif(chunks, 0), 1) avg_s,
          greatest(body_length_sum::float8 / nullif(chunks, 0), 1) avg_b
        from kb_corpus_stats
      )`;
  const select = sql`
      select x.chunk_id, sum(x.w * x.idf * x.tf * ${k1PlusOne} / (x.tf + ${p.k1}))::float8 score,
        least(1, sum(x.title_tf) filter (where x.own)::float8
          / greatest(max(x.title_length), 1)) title_cover
      from (
        select p.chunk_id, df.w, df.own, p.title_tf, c.title_length,
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
      limit ${limit}`;
  return { ctes, select };
}
