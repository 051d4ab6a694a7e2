import { eq, inArray } from 'drizzle-orm';
import type { Db } from '../client.js';
import type { Citation } from '../schema/drafts.js';
import { kbArticles } from '../schema/kb-articles.js';
import { kbChunks } from '../schema/kb-chunks.js';

/**
 * Citations for KB passages an agent inserted into a reply written by hand, numbered in the order
 * given. Passages deleted since (a re-import) are left out.
 */
export async function citationsForChunks(db: Db, chunkIds: string[]): Promise<Citation[]> {
  const ids = [...new Set(chunkIds)].slice(0, 20);
  if (ids.length === 0) return [];
  const rows = await db
    .select({
      chunkId: kbChunks.id,
      articleId: kbChunks.articleId,
      externalId: kbArticles.externalId,
      section: kbChunks.section,
      title: kbArticles.title,
      url: kbArticles.url,
    })
    .from(kbChunks)
    .innerJoin(kbArticles, eq(kbArticles.id, kbChunks.articleId))
    .where(inArray(kbChunks.id, ids));
  const byId = new Map(rows.map((r) => [r.chunkId, r]));
  return ids
    .map((id) => byId.get(id))
    .filter((r) => r !== undefined)
    .map((r, i) => ({ index: i + 1, ...r, score: 1 }));
}
