import { and, asc, desc, eq, gt, inArray, type SQL, sql } from 'drizzle-orm';
import type { Db } from '../client.js';
import { type KbArticle, kbArticles, type NewKbArticle } from '../schema/kb-articles.js';
import { kbChunks, type NewKbChunk } from '../schema/kb-chunks.js';
import { kbEmbeddingModels } from '../schema/kb-embeddings.js';

/**
 * Raw `db.execute` answers differ by driver: postgres.js returns an array of rows, PGlite an
 * object with `rows`. Everything in this module that needs raw SQL goes through here.
 */
export async function queryRows<T>(db: Db, query: SQL): Promise<T[]> {
  const result = (await db.execute(query)) as unknown;
  if (Array.isArray(result)) return result as T[];
  return ((result as { rows?: T[] }).rows ?? []) as T[];
}

/**
 * The knowledge base's state as text: changes whenever articles are indexed or removed (chunk
 * counts and lengths per language); empty for an empty KB. What the draft step's confidence
 * baseline is cached by (src/pipeline/draft/baseline.ts).
 */
export const kbSignatureSql = sql`(select coalesce(string_agg(text_config || ':' || chunks || ':'
  || body_length_sum, ',' order by text_config), '') from kb_corpus_stats where chunks > 0)`;

export type KbArticleSummary = Pick<KbArticle, 'id' | 'externalId' | 'contentHash'>;

export async function listArticleHashesBySource(
  db: Db,
  source: string,
): Promise<KbArticleSummary[]> {
  return db
    .select({
      id: kbArticles.id,
      externalId: kbArticles.externalId,
      contentHash: kbArticles.contentHash,
    })
    .from(kbArticles)
    .where(eq(kbArticles.source, source));
}

export async function getArticle(db: Db, id: string): Promise<KbArticle | undefined> {
  const [row] = await db.select().from(kbArticles).where(eq(kbArticles.id, id));
  return row;
}

export async function getArticleByExternalId(
  db: Db,
  source: string,
  externalId: string,
): Promise<KbArticle | undefined> {
  const [row] = await db
    .select()
    .from(kbArticles)
    .where(and(eq(kbArticles.source, source), eq(kbArticles.externalId, externalId)));
  return row;
}

export interface ArticleTableFilter {
  /** Words the title or body contains (case-insensitive, as typed: not the drafts' search). */
  q?: string;
  source?: string;
  limit: number;
  offset: number;
}

export type ArticleTableRow = Pick<
  KbArticle,
  'id' | 'title' | 'source' | 'language' | 'url' | 'updatedAt'
> & { indexed: boolean };

/**
 * The knowledge-base page's table: articles by title, optionally those whose title or body
 * contains `q` (a substring, so a manager finds the article they remember a phrase of), with the
 * total for the pager. One statement.
 */
export async function listArticleTable(
  db: Db,
  filter: ArticleTableFilter,
): Promise<{ rows: ArticleTableRow[]; total: number }> {
  const pattern = filter.q ? `%${filter.q.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%` : null;
  const conditions = [
    pattern
      ? sql`(${kbArticles.title} ilike ${pattern} or ${kbArticles.body} ilike ${pattern})`
      : undefined,
    filter.source ? eq(kbArticles.source, filter.source) : undefined,
  ].filter((c): c is SQL => c !== undefined);
  const rows = await db
    .select({
      id: kbArticles.id,
      title: kbArticles.title,
      source: kbArticles.source,
      language: kbArticles.language,
      url: kbArticles.url,
      updatedAt: kbArticles.updatedAt,
      indexed: sql<boolean>`${kbArticles.indexedHash} is not distinct from ${kbArticles.contentHash}`,
      total: sql<number>`(count(*) over ())::int`,
    })
    .from(kbArticles)
    .where(conditions.length ? and(...conditions) : undefined)
    .orderBy(sql`lower(${kbArticles.title})`, asc(kbArticles.id))
    .limit(filter.limit)
    .offset(filter.offset);
  return {
    rows: rows.map(({ total: _, ...row }) => row),
    total: rows[0]?.total ?? (filter.offset > 0 ? await countArticles(db, conditions) : 0),
  };
}

async function countArticles(db: Db, conditions: SQL[]): Promise<number> {
  const [row] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(kbArticles)
    .where(conditions.length ? and(...conditions) : undefined);
  return row?.n ?? 0;
}

/** The collections articles came from (`api`, an import's folder or file), with their sizes. */
export async function listArticleSources(db: Db): Promise<{ source: string; articles: number }[]> {
  return db
    .select({ source: kbArticles.source, articles: sql<number>`count(*)::int` })
    .from(kbArticles)
    .groupBy(kbArticles.source)
    .orderBy(kbArticles.source);
}

/**
 * Articles searchable now (their chunks built from their current content), English first, the
 * most recently imported first, then by title: what the first-run checklist phrases its test
 * question from.
 */
export async function searchableArticleTitles(
  db: Db,
  limit: number,
): Promise<{ id: string; title: string; language: string }[]> {
  return db
    .select({ id: kbArticles.id, title: kbArticles.title, language: kbArticles.language })
    .from(kbArticles)
    .where(sql`${kbArticles.indexedHash} = ${kbArticles.contentHash}`)
    .orderBy(
      desc(sql`${kbArticles.language} = 'en'`),
      desc(kbArticles.updatedAt),
      asc(kbArticles.title),
    )
    .limit(limit);
}

/** Keyset-paginated listing, ordered by id. */
export async function listArticles(
  db: Db,
  options: { limit: number; after?: string; source?: string },
): Promise<KbArticle[]> {
  const conditions = [
    options.after ? gt(kbArticles.id, options.after) : undefined,
    options.source ? eq(kbArticles.source, options.source) : undefined,
  ].filter((c): c is SQL => c !== undefined);
  return db
    .select()
    .from(kbArticles)
    .where(conditions.length ? and(...conditions) : undefined)
    .orderBy(asc(kbArticles.id))
    .limit(options.limit);
}

export async function insertArticle(db: Db, article: NewKbArticle): Promise<KbArticle> {
  const [row] = await db.insert(kbArticles).values(article).returning();
  return row!;
}

export async function updateArticle(
  db: Db,
  id: string,
  changes: Partial<NewKbArticle>,
): Promise<KbArticle | undefined> {
  const [row] = await db.update(kbArticles).set(changes).where(eq(kbArticles.id, id)).returning();
  return row;
}

/**
 * Removes chunks (with their postings and vectors, by cascade) and takes them out of the corpus
 * statistics. Run inside the transaction that replaces or deletes the article.
 */
export async function deleteChunksOfArticles(db: Db, articleIds: string[]): Promise<void> {
  if (articleIds.length === 0) return;
  const ids = sql.join(
    articleIds.map((id) => sql`${id}::uuid`),
    sql`, `,
  );
  await db.execute(sql`
    update kb_corpus_stats s set
      chunks = s.chunks - x.n,
      title_length_sum = s.title_length_sum - x.t,
      section_length_sum = s.section_length_sum - x.s,
      body_length_sum = s.body_length_sum - x.b
    from (
      select text_config, count(*)::int n, sum(title_length)::int t,
        sum(section_length)::int s, sum(body_length)::int b
      from kb_chunks where article_id in (${ids}) group by text_config
    ) x
    where s.text_config = x.text_config`);
  await db.delete(kbChunks).where(inArray(kbChunks.articleId, articleIds));
}

/** Deletes articles and everything indexed from them. Returns the ids actually deleted. */
export async function deleteArticles(db: Db, articleIds: string[]): Promise<string[]> {
  if (articleIds.length === 0) return [];
  await deleteChunksOfArticles(db, articleIds);
  const rows = await db
    .delete(kbArticles)
    .where(inArray(kbArticles.id, articleIds))
    .returning({ id: kbArticles.id });
  return rows.map((r) => r.id);
}

export async function insertChunks(
  db: Db,
  chunks: NewKbChunk[],
): Promise<{ id: string; ordinal: number }[]> {
  if (chunks.length === 0) return [];
  return db
    .insert(kbChunks)
    .values(chunks)
    .returning({ id: kbChunks.id, ordinal: kbChunks.ordinal });
}

/**
 * Builds the BM25F postings of an article's chunks from Postgres' own analysis of each field
 * (`to_tsvector(text_config, …)`), then records field lengths and adds the chunks to the corpus
 * statistics. Besides one row per lexeme, each field yields one row per ordered bigram: two
 * lexemes adjacent once stop words are removed ("cancel my order" → `cancel` chr(31) `order`),
 * the ordered-window feature of the sequential dependence model. The separator is the ASCII unit
 * separator: the text-search parser splits on control characters, so no lexeme contains it and a
 * bigram row never collides with a lexeme row. Field lengths count lexemes only.
 */
export async function indexChunkPostings(db: Db, articleId: string, title: string): Promise<void> {
  await db.execute(sql`
    insert into kb_postings (text_config, lexeme, chunk_id, title_tf, section_tf, body_tf)
    with tokens as (
      select c.id chunk_id, c.text_config, f.field, t.lexeme, p.pos
      from kb_chunks c
      cross join lateral (values (0, ${title}::text), (1, c.section), (2, c.text)) f(field, body)
      cross join lateral unnest(to_tsvector(c.text_config::regconfig, f.body)) t
      cross join lateral unnest(t.positions) p(pos)
      where c.article_id = ${articleId}
    ),
    terms as (
      select chunk_id, text_config, field, lexeme term from tokens
      union all
      select chunk_id, text_config, field, lexeme || chr(31) || next_lexeme from (
        select chunk_id, text_config, field, lexeme,
          lead(lexeme) over (partition by chunk_id, field order by pos) next_lexeme
        from tokens
      ) x
      where next_lexeme is not null
    )
    select text_config, term, chunk_id,
      (count(*) filter (where field = 0))::int,
      (count(*) filter (where field = 1))::int,
      (count(*) filter (where field = 2))::int
    from terms
    group by text_config, term, chunk_id`);
  await db.execute(sql`
    update kb_chunks c set
      title_length = x.t, section_length = x.s, body_length = x.b
    from (
      select chunk_id, sum(title_tf)::int t, sum(section_tf)::int s, sum(body_tf)::int b
      from kb_postings
      where chunk_id in (select id from kb_chunks where article_id = ${articleId})
        and strpos(lexeme, chr(31)) = 0
      group by chunk_id
    ) x
    where c.id = x.chunk_id`);
  await db.execute(sql`
    insert into kb_corpus_stats as s
      (text_config, chunks, title_length_sum, section_length_sum, body_length_sum)
    select text_config, count(*)::int, sum(title_length)::int, sum(section_length)::int,
      sum(body_length)::int
    from kb_chunks where article_id = ${articleId} group by text_config
    on conflict (text_config) do update set
      chunks = s.chunks + excluded.chunks,
      title_length_sum = s.title_length_sum + excluded.title_length_sum,
      section_length_sum = s.section_length_sum + excluded.section_length_sum,
      body_length_sum = s.body_length_sum + excluded.body_length_sum`);
}

/**
 * Stores vectors of one model. Rows whose chunk was deleted meanwhile (an article re-indexed while
 * a background re-embed was running) are skipped rather than failing the batch.
 */
export async function insertChunkEmbeddings(
  db: Db,
  model: string,
  rows: { chunkId: string; embedding: Float32Array }[],
): Promise<void> {
  if (rows.length === 0) return;
  const ids = sql.join(
    rows.map((r) => sql`${r.chunkId}`),
    sql`, `,
  );
  const vectors = sql.join(
    rows.map((r) => sql`${`[${Array.from(r.embedding).join(',')}]`}`),
    sql`, `,
  );
  await db.execute(sql`
    insert into kb_chunk_embeddings (chunk_id, model, embedding)
    select x.id, ${model}, x.v::vector
    from unnest(array[${ids}]::uuid[], array[${vectors}]::text[]) as x(id, v)
    where exists (select 1 from kb_chunks c where c.id = x.id)
    on conflict do nothing`);
}

export async function listEmbeddingModels(db: Db) {
  return db.select().from(kbEmbeddingModels).orderBy(asc(kbEmbeddingModels.createdAt));
}

/** Chunks that have no vector of `model` yet, with the text to embed, oldest article first. */
export async function listChunksMissingEmbedding(
  db: Db,
  model: string,
  limit: number,
): Promise<{ id: string; title: string; section: string; text: string }[]> {
  return queryRows(
    db,
    sql`
      select c.id, a.title, c.section, c.text
      from kb_chunks c join kb_articles a on a.id = c.article_id
      where not exists (
        select 1 from kb_chunk_embeddings e where e.chunk_id = c.id and e.model = ${model}
      )
      order by c.id
      limit ${limit}`,
  );
}

export async function countChunksMissingEmbedding(db: Db, model: string): Promise<number> {
  const [row] = await queryRows<{ n: number }>(
    db,
    sql`
      select count(*)::int n from kb_chunks c
      where not exists (
        select 1 from kb_chunk_embeddings e where e.chunk_id = c.id and e.model = ${model}
      )`,
  );
  return row?.n ?? 0;
}

/** An article's chunks in reading order (the inbox shows them with anchors for citations). */
export async function listArticleChunks(db: Db, articleId: string) {
  return db
    .select({ id: kbChunks.id, section: kbChunks.section, text: kbChunks.text })
    .from(kbChunks)
    .where(eq(kbChunks.articleId, articleId))
    .orderBy(asc(kbChunks.ordinal));
}
