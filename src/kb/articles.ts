import type { Db } from '../db/client.js';
import {
  deleteArticles,
  getArticle,
  getArticleByExternalId,
  insertArticle,
  updateArticle,
} from '../db/queries/kb.js';
import { enqueueOutbox } from '../db/queries/outbox.js';
import type { KbArticle } from '../db/schema/kb-articles.js';
import { withTransaction } from '../db/tx.js';
import { articleContentHash, normalizeArticle } from './article.js';
import type { ArticleInput } from './types.js';

/** Source of articles written through the REST API. */
export const API_SOURCE = 'api';

export type ArticleWriteResult =
  | { outcome: 'created' | 'updated' | 'unchanged'; article: KbArticle }
  | { outcome: 'conflict'; article: KbArticle }
  | { outcome: 'not_found' };

/**
 * Creates an article and queues its indexing in one transaction (the outbox row commits with the
 * article, so an article is never left unindexed by a crash between the two).
 */
export async function createArticle(db: Db, input: ArticleInput): Promise<ArticleWriteResult> {
  const article = normalizeArticle(input);
  return withTransaction(db, async (tx) => {
    const existing = await getArticleByExternalId(tx, API_SOURCE, article.externalId);
    if (existing) return { outcome: 'conflict', article: existing };
    const row = await insertArticle(tx, {
      ...article,
      source: API_SOURCE,
      contentHash: articleContentHash(article),
    });
    await enqueueOutbox(tx, 'kb-index', { articleId: row.id });
    return { outcome: 'created', article: row };
  });
}

/** Replaces an article's content; re-indexing is queued only when the content hash changed. */
export async function replaceArticle(
  db: Db,
  id: string,
  input: Omit<ArticleInput, 'externalId'> & { externalId?: string },
): Promise<ArticleWriteResult> {
  return withTransaction(db, async (tx) => {
    const existing = await getArticle(tx, id);
    if (!existing) return { outcome: 'not_found' };
    const article = normalizeArticle({
      ...input,
      externalId: input.externalId ?? existing.externalId,
    });
    const contentHash = articleContentHash(article);
    if (contentHash === existing.contentHash && article.externalId === existing.externalId) {
      return { outcome: 'unchanged', article: existing };
    }
    if (article.externalId !== existing.externalId) {
      const clash = await getArticleByExternalId(tx, existing.source, article.externalId);
      if (clash) return { outcome: 'conflict', article: clash };
    }
    const row = await updateArticle(tx, id, { ...article, contentHash });
    if (contentHash !== existing.contentHash) {
      await enqueueOutbox(tx, 'kb-index', { articleId: id });
    }
    return { outcome: 'updated', article: row! };
  });
}

/** Deletes an article with its chunks and vectors; it disappears from search at commit. */
export async function removeArticle(db: Db, id: string): Promise<boolean> {
  return withTransaction(db, async (tx) => (await deleteArticles(tx, [id])).length > 0);
}
