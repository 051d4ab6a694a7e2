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
 */
export async function queryTerms(
  db: Db,
  query: string,
  articleIds: string[],
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
    sql`
      with qtok as (
        select distinct s.text_config, t.lexeme, s.chunks n
        from kb_corpus_stats s, unnest(to_tsvector(s.text_config::regconfig, ${query})) t
        where s.chunks > 0
      )
      select q.text_config, q.lexeme, q.n::float8 n,
        (select count(*) from kb_postings p
          where p.text_config = q.text_config and p.lexeme = q.lexeme)::float8 df,
        array(
          select distinct c.article_id::text from kb_postings p join kb_chunks c on c.id = p.chunk_id
          where p.text_config = q.text_config and p.lexeme = q.lexeme and c.article_id = any(${ids})
        ) articles
      from qtok q`,
  );
  return rows.map((r) => ({
    textConfig: r.text_config,
    lexeme: r.lexeme,
    df: Number(r.df),
    n: Number(r.n),
    articles: r.articles ?? [],
  }));
}
