import { and, eq, sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import {
  deleteArticles,
  insertArticle,
  listArticleHashesBySource,
  updateArticle,
} from '../db/queries/kb.js';
import { enqueueOutbox } from '../db/queries/outbox.js';
import { kbArticles } from '../db/schema/kb-articles.js';
import { withTransaction } from '../db/tx.js';
import { articleContentHash, normalizeArticle } from './article.js';
import type { ArticleInput } from './types.js';

export interface ImportOptions {
  /** Collection the articles belong to; re-importing it replaces the collection. */
  source: string;
  /**
   * Delete articles of `source` that are not in this import (a file removed from the folder,
   * an article unpublished in the Help Center). On for whole-collection imports.
   */
  prune?: boolean;
  /** Write `kb-index` jobs to the outbox in the same transaction (for the worker to run). */
  enqueue?: boolean;
}

export interface ImportResult {
  source: string;
  created: number;
  updated: number;
  unchanged: number;
  deleted: number;
  /** Articles whose index is out of date: new, changed, or a previous indexing never finished. */
  toIndex: string[];
}

export class DuplicateArticleError extends Error {
  constructor(readonly externalId: string) {
    super(`article id ${JSON.stringify(externalId)} appears more than once in the import`);
    this.name = 'DuplicateArticleError';
  }
}

/**
 * Synchronises one source's articles: unchanged content (same hash) is not touched, changed
 * content is updated and queued for re-indexing, and with `prune` missing articles are deleted
 * together with their chunks and vectors, all in one transaction.
 */
export async function importArticles(
  db: Db,
  articles: readonly ArticleInput[],
  options: ImportOptions,
): Promise<ImportResult> {
  const normalized = articles.map(normalizeArticle);
  const seen = new Set<string>();
  for (const article of normalized) {
    if (seen.has(article.externalId)) throw new DuplicateArticleError(article.externalId);
    seen.add(article.externalId);
  }
  return withTransaction(db, async (tx) => {
    const existing = new Map(
      (await listArticleHashesBySource(tx, options.source)).map((row) => [row.externalId, row]),
    );
    const result: ImportResult = {
      source: options.source,
      created: 0,
      updated: 0,
      unchanged: 0,
      deleted: 0,
      toIndex: [],
    };
    for (const article of normalized) {
      const contentHash = articleContentHash(article);
      const previous = existing.get(article.externalId);
      if (!previous) {
        const row = await insertArticle(tx, { ...article, source: options.source, contentHash });
        result.created++;
        result.toIndex.push(row.id);
      } else if (previous.contentHash !== contentHash) {
        await updateArticle(tx, previous.id, { ...article, contentHash });
        result.updated++;
        result.toIndex.push(previous.id);
      } else {
        result.unchanged++;
      }
    }
    if (options.prune) {
      const gone = [...existing.values()].filter((row) => !seen.has(row.externalId));
      result.deleted = (
        await deleteArticles(
          tx,
          gone.map((row) => row.id),
        )
      ).length;
    }
    // Articles whose content is unchanged but whose index never completed are retried too.
    const stale = await listStaleArticles(tx, options.source, result.toIndex);
    result.toIndex.push(...stale);
    if (options.enqueue) {
      for (const articleId of result.toIndex) await enqueueOutbox(tx, 'kb-index', { articleId });
    }
    return result;
  });
}

async function listStaleArticles(db: Db, source: string, exclude: string[]): Promise<string[]> {
  const skip = new Set(exclude);
  const rows = await db
    .select({ id: kbArticles.id })
    .from(kbArticles)
    .where(
      and(
        eq(kbArticles.source, source),
        sql`${kbArticles.indexedHash} is distinct from ${kbArticles.contentHash}`,
      ),
    );
  return rows.map((r) => r.id).filter((id) => !skip.has(id));
}
