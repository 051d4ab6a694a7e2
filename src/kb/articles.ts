import type { Db } from '../db/client.js';
import {
  deleteArticles,
  getArticle,
  getArticleByExternalId,
  insertArticle,
  updateArticle,
} from '../db/queries/kb.js';
import { linkArticleToGapTickets } from '../db/queries/kb-gap-links.js';
import { enqueueOutbox } from '../db/queries/outbox.js';
import type { KbArticle } from '../db/schema/kb-articles.js';
import { withTransaction } from '../db/tx.js';
import { articleContentHash, normalizeArticle } from './article.js';
import type { ArticleInput } from './types.js';

/** Source of articles written through the REST API. */
export const API_SOURCE = 'api';

export type ArticleWriteResult =
  | {
      outcome: 'created' | 'updated' | 'unchanged';
      article: KbArticle;
      /** Gap tickets this write linked the article to (`gapTicketIds` that exist). */
      linkedTickets: string[];
    }
  | { outcome: 'conflict'; article: KbArticle }
  | { outcome: 'not_found' };

export interface ArticleWriteOptions {
  /**
   * Tickets of a knowledge-base gap the article is written for (`cli kb gaps`, the dashboard's
   * gap panel): linked to the article in the same transaction, so they leave the gap report.
   */
  gapTicketIds?: readonly string[];
}

/**
 * Creates an article and queues its indexing in one transaction (the outbox row commits with the
 * article, so an article is never left unindexed by a crash between the two), linked to the gap
 * tickets it answers.
 */
export async function createArticle(
  db: Db,
  input: ArticleInput,
  options: ArticleWriteOptions = {},
): Promise<ArticleWriteResult> {
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
    const linkedTickets = await linkArticleToGapTickets(tx, row.id, options.gapTicketIds ?? []);
    return { outcome: 'created', article: row, linkedTickets };
  });
}

/**
 * Replaces an article's content; re-indexing is queued only when the content hash changed. Gap
 * tickets given are linked whether or not the content changed (an existing article that now
 * covers a gap).
 */
export async function replaceArticle(
  db: Db,
  id: string,
  input: Omit<ArticleInput, 'externalId'> & { externalId?: string },
  options: ArticleWriteOptions = {},
): Promise<ArticleWriteResult> {
  return withTransaction(db, async (tx) => {
    const existing = await getArticle(tx, id);
    if (!existing) return { outcome: 'not_found' };
    const linkedTickets = await linkArticleToGapTickets(tx, id, options.gapTicketIds ?? []);
    const article = normalizeArticle({
      ...input,
      externalId: input.externalId ?? existing.externalId,
    });
    const contentHash = articleContentHash(article);
    if (contentHash === existing.contentHash && article.externalId === existing.externalId) {
      return { outcome: 'unchanged', article: existing, linkedTickets };
    }
    if (article.externalId !== existing.externalId) {
      const clash = await getArticleByExternalId(tx, existing.source, article.externalId);
      if (clash) return { outcome: 'conflict', article: clash };
    }
    const row = await updateArticle(tx, id, { ...article, contentHash });
    if (contentHash !== existing.contentHash) {
      await enqueueOutbox(tx, 'kb-index', { articleId: id });
    }
    return { outcome: 'updated', article: row!, linkedTickets };
  });
}

/** Deletes an article with its chunks and vectors; it disappears from search at commit. */
export async function removeArticle(db: Db, id: string): Promise<boolean> {
  return withTransaction(db, async (tx) => (await deleteArticles(tx, [id])).length > 0);
}
