/** Import from a path (folder, JSONL, Help Center export): the CLI's `kb import` and the first-run upload. */
import type { Db } from '../db/client.js';
import { HashedEmbedder } from '../models/embedder/hashed.js';
import type { Embedder } from '../models/embedder/types.js';
import { type ImportResult, importArticles } from './import.js';
import { indexArticle } from './indexer.js';
import { loadArticles } from './sources/load.js';
import { activateEmbedder, fillEmbeddings } from './vector-index.js';

export interface KbImportOptions {
  /** Collection name; defaults to the kind and absolute path of `target`. */
  source?: string;
  /** Delete articles of the collection that are no longer in `target` (default true). */
  prune?: boolean;
  /**
   * `inline` indexes in this process before returning (the default: the command finishes with a
   * searchable knowledge base); `queue` writes kb-index jobs to the outbox for the workers.
   */
  index?: 'inline' | 'queue';
  /**
   * The deployment's configured embedder (build-deps.ts `embedderFromConfig`; default: the built-in
   * hashed one). Pass the configured one: activating a different model here starts an embedder
   * switch, which retires the configured model once the new one is complete.
   */
  embedder?: Embedder;
}

export interface KbImportReport extends ImportResult {
  kind: string;
  indexed: number;
  embeddingModel: string;
}

/** `kb import <dir | file.jsonl | export.json>`: import, then index (or queue indexing). */
export async function kbImport(
  db: Db,
  target: string,
  options: KbImportOptions = {},
): Promise<KbImportReport> {
  const loaded = await loadArticles(target);
  if (loaded.articles.length === 0 && options.prune !== false) {
    // Pruning against an empty snapshot would delete the whole collection: almost always a wrong
    // path rather than an intent.
    throw new Error(`no articles found in ${target}; nothing imported`);
  }
  const embedder = options.embedder ?? new HashedEmbedder();
  const activation = await activateEmbedder(db, embedder);
  const mode = options.index ?? 'inline';
  const result = await importArticles(db, loaded.articles, {
    source: options.source ?? loaded.source,
    prune: options.prune ?? true,
    enqueue: mode === 'queue',
  });
  let indexed = 0;
  if (mode === 'inline') {
    for (const articleId of result.toIndex) {
      if ((await indexArticle(db, articleId, [embedder])) === 'indexed') indexed++;
    }
    if (activation.state === 'building') await fillEmbeddings(db, embedder);
  }
  return { ...result, kind: loaded.kind, indexed, embeddingModel: embedder.name };
}
