import type { Db } from '../db/client.js';
import { enqueueOutbox } from '../db/queries/outbox.js';
import type { JobPayload } from '../jobs/payloads.js';
import type { Embedder } from '../models/embedder/types.js';
import { type IndexOutcome, indexArticle } from './indexer.js';
import { activateEmbedder, fillEmbeddings } from './vector-index.js';

export interface KbIndexDeps {
  db: Db;
  /** The configured embedder first; others (a previous model still serving search) may follow. */
  embedders: readonly Embedder[];
}

export type KbIndexJobResult =
  | { kind: 'article'; outcome: IndexOutcome }
  | { kind: 'embeddings'; embedded: number; state: 'ready' | 'building' | 'skipped' };

/**
 * Processor of the `kb-index` queue. `{articleId}` (re)indexes one article; `{embeddingModel}`
 * fills vectors of a newly configured model in the background and flips search to it when done.
 * A model this process holds no embedder for is skipped (another worker, configured with it,
 * will pick the next job); `onProgress` lets the BullMQ job extend its lock between batches.
 */
export async function processKbIndexJob(
  deps: KbIndexDeps,
  payload: JobPayload<'kb-index'>,
  onProgress?: (embedded: number) => Promise<void> | void,
): Promise<KbIndexJobResult> {
  if ('articleId' in payload) {
    return {
      kind: 'article',
      outcome: await indexArticle(deps.db, payload.articleId, deps.embedders),
    };
  }
  const embedder = deps.embedders.find((e) => e.name === payload.embeddingModel);
  if (!embedder) return { kind: 'embeddings', embedded: 0, state: 'skipped' };
  const result = await fillEmbeddings(deps.db, embedder, { onBatch: onProgress });
  return { kind: 'embeddings', embedded: result.embedded, state: result.activation.state };
}

/**
 * Boot step for api and worker: register the configured embedder and, when the knowledge base
 * has chunks without its vectors (a new model was configured), queue the background fill. Search
 * keeps using the previous model until the fill completes.
 */
export async function prepareEmbedder(db: Db, embedder: Embedder) {
  const activation = await activateEmbedder(db, embedder);
  if (activation.state === 'building') {
    await enqueueOutbox(db, 'kb-index', { embeddingModel: embedder.name });
  }
  return activation;
}
