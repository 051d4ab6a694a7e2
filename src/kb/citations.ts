import type { Db } from '../db/client.js';
import { articleRefs, existingChunkIds } from '../db/queries/citations.js';
import type { Citation } from '../db/schema/drafts.js';

/**
 * live: the cited passage is still in the knowledge base; changed: its article was edited since
 * (the passage was re-indexed and may read differently); removed: the article was deleted since.
 */
export type SourceState = 'live' | 'changed' | 'removed';

export interface CitedSource {
  index: number;
  title: string;
  section: string;
  /** The article's own id, as imported (JSONL id, file path, Help Center id); null if unknown. */
  externalId: string | null;
  url: string | null;
  state: SourceState;
  /** Internal ids, for links inside Deskpilot only (the API does not expose them). */
  articleId: string;
  chunkId: string;
}

/** A draft's citations checked against the knowledge base as it is now. */
export async function describeCitations(db: Db, citations: Citation[]): Promise<CitedSource[]> {
  if (citations.length === 0) return [];
  const [chunks, articles] = await Promise.all([
    existingChunkIds(
      db,
      citations.map((c) => c.chunkId),
    ),
    articleRefs(db, [...new Set(citations.map((c) => c.articleId))]),
  ]);
  return citations.map((c) => {
    const article = articles.get(c.articleId);
    const state: SourceState = chunks.has(c.chunkId) ? 'live' : article ? 'changed' : 'removed';
    return {
      index: c.index,
      title: c.title,
      section: c.section,
      externalId: article?.externalId ?? c.externalId ?? null,
      url: article ? article.url : c.url,
      state,
      articleId: c.articleId,
      chunkId: c.chunkId,
    };
  });
}

/** describeCitations for many drafts in two queries, by draft id. */
export async function describeDraftSources(
  db: Db,
  drafts: { id: string; citations: Citation[] }[],
): Promise<Map<string, CitedSource[]>> {
  const all = await describeCitations(
    db,
    drafts.flatMap((d) => d.citations),
  );
  const byDraft = new Map<string, CitedSource[]>();
  let at = 0;
  for (const d of drafts) {
    byDraft.set(d.id, all.slice(at, at + d.citations.length));
    at += d.citations.length;
  }
  return byDraft;
}
