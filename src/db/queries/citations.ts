import { inArray } from 'drizzle-orm';
import type { Db } from '../client.js';
import { kbArticles } from '../schema/kb-articles.js';
import { kbChunks } from '../schema/kb-chunks.js';

/** Which of these chunk ids still exist. */
export async function existingChunkIds(db: Db, chunkIds: string[]): Promise<Set<string>> {
  if (chunkIds.length === 0) return new Set();
  const rows = await db
    .select({ id: kbChunks.id })
    .from(kbChunks)
    .where(inArray(kbChunks.id, chunkIds));
  return new Set(rows.map((r) => r.id));
}

/** The articles among these ids that still exist, with the ids and URLs they were imported with. */
export async function articleRefs(
  db: Db,
  articleIds: string[],
): Promise<Map<string, { externalId: string; source: string; url: string | null }>> {
  if (articleIds.length === 0) return new Map();
  const rows = await db
    .select({
      id: kbArticles.id,
      externalId: kbArticles.externalId,
      source: kbArticles.source,
      url: kbArticles.url,
    })
    .from(kbArticles)
    .where(inArray(kbArticles.id, articleIds));
  return new Map(rows.map(({ id, ...ref }) => [id, ref]));
}
