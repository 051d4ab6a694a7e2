import {
  customType,
  index,
  integer,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uuid,
} from 'drizzle-orm/pg-core';
import { createdAt } from './columns.js';
import { kbChunks } from './kb-chunks.js';

/**
 * pgvector `vector` without a declared dimension, so one table holds vectors of several models
 * while an embedder switch is in progress. Each model gets its own partial HNSW index over
 * `embedding::halfvec(<dimension>)` restricted to `model = '<name>'`
 * (see src/kb/vector-index.ts), so dimensions are never mixed in one index or one query.
 */
const anyVector = customType<{ data: number[]; driverData: string }>({
  dataType: () => 'vector',
  toDriver: (value) => `[${value.join(',')}]`,
  fromDriver: (value) => JSON.parse(value) as number[],
});

export const kbChunkEmbeddings = pgTable(
  'kb_chunk_embeddings',
  {
    chunkId: uuid('chunk_id')
      .notNull()
      .references(() => kbChunks.id, { onDelete: 'cascade' }),
    /** Embedder name, e.g. `hashed-ngram-v1-d384-c35`; every vector row says which model made it. */
    model: text('model').notNull(),
    embedding: anyVector('embedding').notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    primaryKey({ columns: [t.model, t.chunkId] }),
    // Cascading chunk deletes look vectors up by chunk.
    index('kb_chunk_embeddings_chunk_idx').on(t.chunkId),
  ],
);

export const kbEmbeddingModelStates = ['building', 'ready', 'retired'] as const;
export type KbEmbeddingModelState = (typeof kbEmbeddingModelStates)[number];

/**
 * Embedding models known to the index. Search uses the newest `ready` model it can embed queries
 * with; a newly configured model stays `building` while the background job fills its vectors, so
 * search keeps using the previous one until the switch is complete.
 */
export const kbEmbeddingModels = pgTable('kb_embedding_models', {
  name: text('name').primaryKey(),
  dimension: integer('dimension').notNull(),
  state: text('state').$type<KbEmbeddingModelState>().notNull().default('building'),
  createdAt: createdAt(),
  readyAt: timestamp('ready_at', { withTimezone: true, mode: 'date' }),
});

export type KbEmbeddingModel = typeof kbEmbeddingModels.$inferSelect;
