import type { Db } from '../../db/client.js';
import { listArticleChunks } from '../../db/queries/kb.js';
import { articleUnits, type Unit } from './sentences.js';

/** Articles whose units are kept; a sample KB has dozens, a large help centre a few thousand. */
const MAX_ARTICLES = 1_000;
const cache = new Map<string, readonly Unit[]>();

/**
 * The units a draft may quote from an article, read and split once per version of its chunks
 * rather than once per draft (a statement and the sentence splitting of every draft). The indexer
 * replaces an article's chunks wholesale — delete and insert in one transaction, new ids — and no
 * code edits a chunk's text, so one chunk id of the article names its whole chunk set: the units
 * are keyed by the chunk the draft's search found (and the language they are split for). A
 * re-indexed article's passages carry new ids and miss. Units are never mutated by their users
 * (selectUnits and the composer build new ones), so they are shared. Oldest entries go first.
 */
export async function unitsOfArticle(
  db: Db,
  passage: { articleId: string; chunkId: string; language: string },
): Promise<readonly Unit[]> {
  const key = `${passage.chunkId}\u0000${passage.language}`;
  const cached = cache.get(key);
  if (cached) return cached;
  const chunks = await listArticleChunks(db, passage.articleId);
  const units = articleUnits(chunks, passage.language);
  // Re-indexed between the search and this read: the set is not the one the key names.
  if (chunks.some((chunk) => chunk.id === passage.chunkId)) {
    cache.set(key, units);
    if (cache.size > MAX_ARTICLES) cache.delete(cache.keys().next().value!);
  }
  return units;
}
