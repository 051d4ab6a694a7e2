import { sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { queryRows } from '../db/queries/kb.js';

export interface QueryTerm {
  textConfig: string;
  lexeme: string;
  /** Chunks containing the lexeme. */
  df: number;
  /** Chunks in the corpus of this configuration. */
  n: number;
  /** Candidate articles (of those asked about) with the lexeme in their title, sections or body. */
  articles: string[];
}

/**
 * The query's lexemes under every text-search configuration the knowledge base uses, with their
 * document frequency and which of `articleIds` contain them: what a confidence needs to compare a
 * passage with the best any passage could do for this query (coverage of the query's words,
 * weighted by how rare they are). Lexemes the knowledge base has never seen are included (df 0):
 * a question about something the KB never mentions is the clearest sign it has no answer.
 * `textConfigs` limits the analysis to the configurations of the candidates' languages: the
 * confidence reads each article against its own language's words only, and on a five-language KB
 * counting every configuration's document frequencies was most of this query's time (~100 ms
 * for a long ticket, measured on the ticket-answers KB).
 */
export async function queryTerms(
  db: Db,
  query: string,
  articleIds: string[],
  textConfigs?: readonly string[],
): Promise<QueryTerm[]> {
  if (!query.trim()) return [];
  const ids = articleIds.length
    ? sql`array[${sql.join(
        articleIds.map((id) => sql`${id}`),
        sql`, `,
      )}]::uuid[]`
    : sql`array[]::uuid[]`;
  const rows = await queryRows<{
    text_config: string;
    lexeme: string;
    df: number;
    n: number;
    articles: string[] | null;
  }>(
    db,
    // Which candidate articles contain each lexeme: read from the candidates' own postings (a
    // few chunks, by the chunk index) rather than from every posting of each lexeme, which for a
    // long ticket's common words meant thousands of rows per query (p50 ~200 ms measured on the
    // 1,167-article ticket-answers KB; this way a few ms).
    sql`
      with qtok as (
        select distinct s.text_config, t.lexeme, s.chunks n
        from kb_corpus_stats s, unnest(to_tsvector(s.text_config::regconfig, ${query})) t
        where s.chunks > 0 ${
          textConfigs
            ? sql`and s.text_config = any(array[${sql.join(
                [...textConfigs, ''].map((c) => sql`${c}`),
                sql`, `,
              )}]::text[])`
            : sql``
        }
      ),
      hits as (
        select p.text_config, p.lexeme, array_agg(distinct c.article_id::text) articles
        from kb_chunks c
        join kb_postings p on p.chunk_id = c.id
        where c.article_id = any(${ids})
          and (p.text_config, p.lexeme) in (select text_config, lexeme from qtok)
        group by p.text_config, p.lexeme
      )
      select q.text_config, q.lexeme, q.n::float8 n,
        (select count(*) from kb_postings p
          where p.text_config = q.text_config and p.lexeme = q.lexeme)::float8 df,
        h.articles
      from qtok q
      left join hits h on h.text_config = q.text_config and h.lexeme = q.lexeme`,
  );
  return rows.map((r) => ({
    textConfig: r.text_config,
    lexeme: r.lexeme,
    df: Number(r.df),
    n: Number(r.n),
    articles: r.articles ?? [],
  }));
}

/**
 * The query's word statistics for these candidate articles and configurations: narrowed from
 * those the search's own statement read (`SearchResult.terms`, no round trip), else read by
 * `queryTerms`. The same terms either way. The search's cover the articles of its candidates,
 * so an article it did not return (one an answered question brought, src/kb/answered.ts) is
 * read by `queryTerms`.
 */
export async function termsOfSearch(
  db: Db,
  search: {
    query: string;
    terms: readonly QueryTerm[] | null;
    passages: readonly { articleId: string }[];
  },
  articleIds: string[],
  textConfigs: readonly string[],
): Promise<QueryTerm[]> {
  const searched = new Set(search.passages.map((p) => p.articleId));
  if (!search.terms || articleIds.some((id) => !searched.has(id))) {
    return queryTerms(db, search.query, articleIds, textConfigs);
  }
  const configs = new Set(textConfigs);
  const ids = new Set(articleIds);
  return search.terms
    .filter((t) => configs.has(t.textConfig))
    .map((t) => ({ ...t, articles: t.articles.filter((a) => ids.has(a)) }));
}
