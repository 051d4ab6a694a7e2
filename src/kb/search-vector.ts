import { type SQL, sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { queryRows } from '../db/queries/kb.js';
import type { KbEmbeddingModel } from '../db/schema/kb-embeddings.js';
import { withTransaction } from '../db/tx.js';
import type { Embedder } from '../models/embedder/types.js';
import {
  type Candidate,
  filterConditions,
  hasFilters,
  type SearchFilters,
  whereClause,
} from './search-filters.js';
import { INDEX_VECTOR_TYPE, modelLiteral } from './vector-index.js';

/** The vector side of knowledge-base search: nearest chunks by cosine under the HNSW index. */

/**
 * Nearest chunks by cosine similarity through the model's partial HNSW index. With filters,
 * pgvector's iterative scan keeps walking the graph until enough rows pass the filter (relaxed
 * order, so rows are re-sorted here); without it a selective filter would starve the result.
 * Those settings need a transaction (SET LOCAL); an unfiltered search at the connection's ef_search
 * (`HNSW_EF_SEARCH`, set when the connection opens) is a single statement, which is most of its
 * latency budget saved on a loaded server.
 */
export async function vectorCandidates(
  db: Db,
  model: { name: string; dimension: number },
  queryVector: Float32Array,
  limit: number,
  filters?: SearchFilters,
  efSearch?: number,
): Promise<Candidate[]> {
  const toCandidates = (rows: { chunk_id: string; distance: number }[]) =>
    rows.map((r) => ({ chunkId: r.chunk_id, score: 1 - Number(r.distance) }));
  const query = vectorCandidatesQuery(model, queryVector, limit, filters);
  if (efSearch === undefined && !hasFilters(filters)) {
    return toCandidates(await queryRows(db, query));
  }
  return withTransaction(db, async (tx) => {
    if (efSearch !== undefined) {
      const ef = sql.raw(String(Math.max(limit, Math.trunc(efSearch))));
      await tx.execute(sql`set local hnsw.ef_search = ${ef}`);
    }
    if (hasFilters(filters)) await tx.execute(sql`set local hnsw.iterative_scan = relaxed_order`);
    return toCandidates(await queryRows(tx, query));
  });
}

/** The nearest-neighbour statement, shared with the benchmark's EXPLAIN. */
export function vectorCandidatesQuery(
  model: { name: string; dimension: number },
  queryVector: Float32Array,
  limit: number,
  filters?: SearchFilters,
): SQL {
  const dim = sql.raw(String(Math.trunc(model.dimension)));
  // Must repeat the index expression exactly, or the planner cannot use the HNSW index.
  const indexType = sql.raw(INDEX_VECTOR_TYPE);
  const literal = `[${Array.from(queryVector).join(',')}]`;
  return sql`
    select chunk_id, distance from (
      select e.chunk_id,
        (e.embedding::${indexType}(${dim})) <=> ${literal}::${indexType}(${dim}) distance
      from kb_chunk_embeddings e
      ${hasFilters(filters) ? sql`join kb_chunks c on c.id = e.chunk_id` : sql``}
      where e.model = ${modelLiteral(model.name)} ${whereClause(filterConditions(filters))}
      order by distance
      limit ${limit}
    ) nearest
    order by distance, chunk_id`;
}

/** The newest ready model of the index (`models`) that one of `embedders` can embed queries for. */
export function pickQueryModel(
  models: readonly KbEmbeddingModel[],
  embedders: readonly Embedder[],
): { embedder: Embedder; name: string; dimension: number } | null {
  if (embedders.length === 0) return null;
  const ready = models
    .filter((m) => m.state === 'ready')
    .sort((a, b) => (b.readyAt?.getTime() ?? 0) - (a.readyAt?.getTime() ?? 0));
  for (const model of ready) {
    const embedder = embedders.find((e) => e.name === model.name);
    if (embedder && embedder.dimension === model.dimension) {
      return { embedder, name: model.name, dimension: model.dimension };
    }
  }
  return null;
}
