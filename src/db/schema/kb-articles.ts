import { sql } from 'drizzle-orm';
import { index, pgTable, text, uniqueIndex } from 'drizzle-orm/pg-core';
import { id, timestamps } from './columns.js';

export const kbArticleFormats = ['markdown', 'html', 'text'] as const;
export type KbArticleFormat = (typeof kbArticleFormats)[number];

/**
 * A knowledge-base article as imported. `source` names the collection an import owns (a folder,
 * a JSONL file, a Help Center export, or `api`); re-importing a source replaces that collection,
 * so articles missing from the new snapshot are deleted. `contentHash` covers every field that
 * changes the index; `indexedHash` is the hash the current chunks were built from.
 */
export const kbArticles = pgTable(
  'kb_articles',
  {
    id: id(),
    source: text('source').notNull(),
    /** Id in the source system (JSONL id, relative file path, Help Center article id). */
    externalId: text('external_id').notNull(),
    title: text('title').notNull(),
    body: text('body').notNull(),
    format: text('format').$type<KbArticleFormat>().notNull(),
    url: text('url'),
    tags: text('tags').array().notNull().default(sql`'{}'::text[]`),
    /** ISO 639-1 code; chooses the text-search configuration (stemmer, stop words). */
    language: text('language').notNull().default('en'),
    product: text('product'),
    contentHash: text('content_hash').notNull(),
    indexedHash: text('indexed_hash'),
    ...timestamps(),
  },
  (t) => [
    uniqueIndex('kb_articles_source_external_id_uq').on(t.source, t.externalId),
    index('kb_articles_unindexed_idx')
      .on(t.id)
      .where(sql`${t.indexedHash} is distinct from ${t.contentHash}`),
  ],
);

export type KbArticle = typeof kbArticles.$inferSelect;
export type NewKbArticle = typeof kbArticles.$inferInsert;
