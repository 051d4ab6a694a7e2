import { sql } from 'drizzle-orm';
import { index, integer, pgTable, text, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { id } from './columns.js';
import { kbArticles } from './kb-articles.js';

/**
 * A passage of an article: what retrieval returns and drafts cite. Filter columns (tags,
 * language, product) are copied from the article so a vector or lexical scan filters without a
 * join. Field lengths are in lexemes of `textConfig`, for BM25F length normalisation.
 */
export const kbChunks = pgTable(
  'kb_chunks',
  {
    id: id(),
    articleId: uuid('article_id')
      .notNull()
      .references(() => kbArticles.id, { onDelete: 'cascade' }),
    ordinal: integer('ordinal').notNull(),
    /** Heading path inside the article, e.g. "Refunds › Eligibility"; empty before any heading. */
    section: text('section').notNull().default(''),
    text: text('text').notNull(),
    /** Postgres text-search configuration the lexical index was built with, e.g. `english`. */
    textConfig: text('text_config').notNull(),
    language: text('language').notNull(),
    tags: text('tags').array().notNull().default(sql`'{}'::text[]`),
    product: text('product'),
    titleLength: integer('title_length').notNull(),
    sectionLength: integer('section_length').notNull(),
    bodyLength: integer('body_length').notNull(),
  },
  (t) => [
    uniqueIndex('kb_chunks_article_ordinal_uq').on(t.articleId, t.ordinal),
    index('kb_chunks_tags_idx').using('gin', t.tags),
  ],
);

export type KbChunk = typeof kbChunks.$inferSelect;
export type NewKbChunk = typeof kbChunks.$inferInsert;
