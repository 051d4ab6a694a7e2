import { createHash } from 'node:crypto';
import { and, eq, ne, sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import {
  countChunksMissingEmbedding,
  insertChunkEmbeddings,
  listChunksMissingEmbedding,
  listEmbeddingModels,
} from '../db/queries/kb.js';
import { kbChunkEmbeddings, kbEmbeddingModels } from '../db/schema/kb-embeddings.js';
import type { Embedder } from '../models/embedder/types.js';

/**
 * Vectors of every model live in one table with an undimensioned `vector` column. Each model has
 * a partial HNSW index over `embedding::halfvec(<dim>)` restricted to its own rows, so a query
 * (which repeats the same cast and predicate) only ever compares vectors of one model and one
 * dimension. Model names end up in DDL and in index predicates, so they are restricted to a
 * conservative alphabet and quoted as literals.
 */
const MODEL_NAME = /^[\w.:/@+-]{1,200}$/;

export function assertModelName(name: string): void {
  if (!MODEL_NAME.test(name)) {
    throw new Error(
      `embedding model name ${JSON.stringify(name)} has characters outside ${MODEL_NAME}`,
    );
  }
}

/** SQL literal of a validated model name (needed where the planner must see a constant). */
export function modelLiteral(name: string) {
  assertModelName(name);
  return sql.raw(`'${name.replaceAll("'", "''")}'`);
}

export function vectorIndexName(model: string): string {
  const digest = createHash('sha256').update(`${INDEX_VECTOR_TYPE}:${model}`).digest('hex');
  return `kb_chunk_embeddings_hnsw_${digest.slice(0, 16)}`;
}

/** HNSW build parameters; pgvector's defaults (m=16, ef_construction=64) measured well here. */
export const hnswBuild = { m: 16, efConstruction: 64 } as const;

/**
 * The index (and the query's distance) use half precision: the graph is half the size, so a
 * 100k-chunk index stays in shared buffers on a default-sized server instead of being re-read
 * from the page cache on every query, and models up to 4,000 dimensions fit (full-precision
 * HNSW stops at 2,000). Vectors are stored in full precision; ranking quality is unchanged at
 * the precision cosine ranking needs (measured: bench/retrieval.ts recall@10).
 */
export const INDEX_VECTOR_TYPE = 'halfvec';
export const MAX_INDEXED_DIMENSION = 4000;

export async function ensureVectorIndex(db: Db, model: string, dimension: number): Promise<void> {
  if (!Number.isInteger(dimension) || dimension < 1 || dimension > MAX_INDEXED_DIMENSION) {
    throw new Error(
      `embedding dimension ${dimension} is outside 1..${MAX_INDEXED_DIMENSION} (pgvector HNSW limit)`,
    );
  }
  await db.execute(
    sql.raw(
      `create index if not exists ${vectorIndexName(model)} on kb_chunk_embeddings ` +
        `using hnsw ((embedding::${INDEX_VECTOR_TYPE}(${dimension})) ${INDEX_VECTOR_TYPE}_cosine_ops) ` +
        `with (m = ${hnswBuild.m}, ef_construction = ${hnswBuild.efConstruction}) ` +
        `where model = '${model.replaceAll("'", "''")}'`,
    ),
  );
}

export type EmbedderActivation =
  | { state: 'ready'; model: string }
  | { state: 'building'; model: string; missing: number };

/**
 * Registers the configured embedder. A model seen for the first time gets its own vector index;
 * if the knowledge base already has chunks, the model stays `building` (search keeps using the
 * previous ready model) until `fillEmbeddings` has embedded every chunk. Returns what the caller
 * must do: nothing, or enqueue `kb-index {embeddingModel}`.
 */
export async function activateEmbedder(db: Db, embedder: Embedder): Promise<EmbedderActivation> {
  assertModelName(embedder.name);
  const [existing] = await db
    .select()
    .from(kbEmbeddingModels)
    .where(eq(kbEmbeddingModels.name, embedder.name));
  if (existing && existing.dimension !== embedder.dimension) {
    throw new Error(
      `embedding model ${embedder.name} is registered with dimension ${existing.dimension} ` +
        `but the embedder produces ${embedder.dimension}; give the model a new name`,
    );
  }
  await ensureVectorIndex(db, embedder.name, embedder.dimension);
  if (!existing) {
    await db
      .insert(kbEmbeddingModels)
      .values({ name: embedder.name, dimension: embedder.dimension, state: 'building' })
      .onConflictDoNothing();
  } else if (existing.state === 'retired') {
    await db
      .update(kbEmbeddingModels)
      .set({ state: 'building', readyAt: null })
      .where(eq(kbEmbeddingModels.name, embedder.name));
  }
  return checkEmbeddingsComplete(db, embedder.name);
}

/** Marks the model ready (and retires the others) once every chunk has its vector. */
export async function checkEmbeddingsComplete(db: Db, model: string): Promise<EmbedderActivation> {
  const missing = await countChunksMissingEmbedding(db, model);
  if (missing > 0) {
    const [row] = await db
      .select({ state: kbEmbeddingModels.state })
      .from(kbEmbeddingModels)
      .where(eq(kbEmbeddingModels.name, model));
    if (row?.state === 'ready') return { state: 'ready', model };
    return { state: 'building', model, missing };
  }
  await db
    .update(kbEmbeddingModels)
    .set({ state: 'ready', readyAt: sql`coalesce(${kbEmbeddingModels.readyAt}, now())` })
    .where(eq(kbEmbeddingModels.name, model));
  await retireOtherModels(db, model);
  return { state: 'ready', model };
}

/**
 * Once `model` is complete the previous models are retired: their vectors are deleted and their
 * indexes dropped, so a later switch back re-embeds from scratch rather than trusting stale rows.
 */
async function retireOtherModels(db: Db, model: string): Promise<void> {
  const others = (await listEmbeddingModels(db)).filter(
    (m) => m.name !== model && m.state !== 'retired',
  );
  for (const other of others) {
    await db
      .update(kbEmbeddingModels)
      .set({ state: 'retired' })
      .where(and(eq(kbEmbeddingModels.name, other.name), ne(kbEmbeddingModels.state, 'retired')));
    await db.delete(kbChunkEmbeddings).where(eq(kbChunkEmbeddings.model, other.name));
    await db.execute(sql.raw(`drop index if exists ${vectorIndexName(other.name)}`));
  }
}

export function embeddingText(title: string, section: string, text: string): string {
  return [title, section, text].filter((part) => part.trim()).join('\n');
}

/**
 * Background re-embedding: embeds chunks that lack a vector of `embedder`, a batch at a time, so
 * the work can be interrupted and resumed (a retried job continues where it stopped). When no
 * chunk is missing, the model becomes ready and search switches to it.
 */
export async function fillEmbeddings(
  db: Db,
  embedder: Embedder,
  options: { batchSize?: number; onBatch?: (done: number) => Promise<void> | void } = {},
): Promise<{ embedded: number; activation: EmbedderActivation }> {
  const batchSize = options.batchSize ?? 64;
  let embedded = 0;
  for (;;) {
    const batch = await listChunksMissingEmbedding(db, embedder.name, batchSize);
    if (batch.length === 0) break;
    const vectors = await embedder.embed(
      batch.map((chunk) => embeddingText(chunk.title, chunk.section, chunk.text)),
    );
    await insertChunkEmbeddings(
      db,
      embedder.name,
      batch.map((chunk, i) => ({ chunkId: chunk.id, embedding: vectors[i]! })),
    );
    embedded += batch.length;
    await options.onBatch?.(embedded);
  }
  return { embedded, activation: await checkEmbeddingsComplete(db, embedder.name) };
}
