import { index, integer, pgTable, primaryKey, text, uuid } from 'drizzle-orm/pg-core';
import { kbChunks } from './kb-chunks.js';

/**
 * Inverted index for BM25F: one row per (lexeme, chunk) with the term frequency in each field.
 * Lexemes come from Postgres' own `to_tsvector(text_config, …)`, so stemming and stop words are
 * the language's text-search configuration. Ordered bigrams (two lexemes adjacent once stop words
 * are dropped) are rows too, their lexemes joined by chr(31), for term-dependence scoring. Document frequencies are counted from these rows at
 * query time (an index-only scan per query term), so they can never drift from the index.
 */
export const kbPostings = pgTable(
  'kb_postings',
  {
    textConfig: text('text_config').notNull(),
    lexeme: text('lexeme').notNull(),
    chunkId: uuid('chunk_id')
      .notNull()
      .references(() => kbChunks.id, { onDelete: 'cascade' }),
    titleTf: integer('title_tf').notNull().default(0),
    sectionTf: integer('section_tf').notNull().default(0),
    bodyTf: integer('body_tf').notNull().default(0),
  },
  (t) => [
    primaryKey({ columns: [t.textConfig, t.lexeme, t.chunkId] }),
    // Deleting a chunk's postings (cascade) looks rows up by chunk.
    index('kb_postings_chunk_idx').on(t.chunkId),
  ],
);

/**
 * Running totals per text-search configuration for BM25's N and average field lengths; updated in
 * the same transaction as the chunks they count.
 */
export const kbCorpusStats = pgTable('kb_corpus_stats', {
  textConfig: text('text_config').primaryKey(),
  chunks: integer('chunks').notNull().default(0),
  titleLengthSum: integer('title_length_sum').notNull().default(0),
  sectionLengthSum: integer('section_length_sum').notNull().default(0),
  bodyLengthSum: integer('body_length_sum').notNull().default(0),
});
