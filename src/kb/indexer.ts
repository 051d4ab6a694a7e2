import { eq, sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import {
  deleteChunksOfArticles,
  getArticle,
  indexChunkPostings,
  insertChunkEmbeddings,
  insertChunks,
  listEmbeddingModels,
  queryRows,
} from '../db/queries/kb.js';
import { kbArticles } from '../db/schema/kb-articles.js';
import { withTransaction } from '../db/tx.js';
import type { Embedder } from '../models/embedder/types.js';
import { chunkArticle } from './article.js';
import { textConfigFor } from './language.js';
import { embeddingText } from './vector-index.js';

export type IndexOutcome = 'indexed' | 'unchanged' | 'missing' | 'superseded';

/**
 * The `kb-index` job for one article: chunk it, rebuild its postings and store one vector per
 * chunk for every live embedding model we hold an embedder for. Idempotent: an article whose
 * indexed hash equals its content hash is left alone, so a retried or duplicated job is free.
 * Embedding runs before the transaction so row locks are held only for the writes.
 */
export async function indexArticle(
  db: Db,
  articleId: string,
  embedders: readonly Embedder[],
): Promise<IndexOutcome> {
  const article = await getArticle(db, articleId);
  if (!article) return 'missing';
  if (article.indexedHash === article.contentHash) return 'unchanged';

  const chunks = chunkArticle(article);
  const live = new Set(
    (await listEmbeddingModels(db)).filter((m) => m.state !== 'retired').map((m) => m.name),
  );
  const vectors = new Map<string, Float32Array[]>();
  const texts = chunks.map((chunk) => embeddingText(article.title, chunk.section, chunk.text));
  for (const embedder of embedders) {
    if (!live.has(embedder.name) || vectors.has(embedder.name)) continue;
    vectors.set(embedder.name, await embedder.embed(texts));
  }

  const textConfig = textConfigFor(article.language);
  return withTransaction(db, async (tx) => {
    // Lock the article and make sure it did not change while we were embedding; if it did, the
    // job enqueued by that change will index the new content.
    const [current] = await queryRows<{ content_hash: string }>(
      tx,
      sql`select content_hash from kb_articles where id = ${articleId} for update`,
    );
    if (!current) return 'missing';
    if (current.content_hash !== article.contentHash) return 'superseded';

    await deleteChunksOfArticles(tx, [articleId]);
    const inserted = await insertChunks(
      tx,
      chunks.map((chunk) => ({
        articleId,
        ordinal: chunk.ordinal,
        section: chunk.section,
        text: chunk.text,
        textConfig,
        language: article.language,
        tags: article.tags,
        product: article.product,
        titleLength: 0,
        sectionLength: 0,
        bodyLength: 0,
      })),
    );
    await indexChunkPostings(tx, articleId, article.title);
    const idByOrdinal = new Map(inserted.map((row) => [row.ordinal, row.id]));
    for (const [model, modelVectors] of vectors) {
      await insertChunkEmbeddings(
        tx,
        model,
        chunks.map((chunk, i) => ({
          chunkId: idByOrdinal.get(chunk.ordinal)!,
          embedding: modelVectors[i]!,
        })),
      );
    }
    await tx
      .update(kbArticles)
      .set({ indexedHash: article.contentHash })
      .where(eq(kbArticles.id, articleId));
    return 'indexed';
  });
}

/** Indexes every article whose index is out of date (after an import, or to catch up). */
export async function indexPendingArticles(
  db: Db,
  embedders: readonly Embedder[],
  options: { concurrency?: number } = {},
): Promise<{ indexed: number }> {
  const pending = await db
    .select({ id: kbArticles.id })
    .from(kbArticles)
    .where(sql`${kbArticles.indexedHash} is distinct from ${kbArticles.contentHash}`);
  let indexed = 0;
  let next = 0;
  const worker = async () => {
    while (next < pending.length) {
      const { id } = pending[next++]!;
      if ((await indexArticle(db, id, embedders)) === 'indexed') indexed++;
    }
  };
  await Promise.all(Array.from({ length: options.concurrency ?? 1 }, worker));
  return { indexed };
}
