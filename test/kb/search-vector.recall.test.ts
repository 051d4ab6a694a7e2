import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HNSW_EF_SEARCH } from '../../src/db/client.js';
import { listEmbeddingModels, queryRows } from '../../src/db/queries/kb.js';
import { withTransaction } from '../../src/db/tx.js';
import { indexEvalCorpus } from '../../src/kb/eval.js';
import {
  pickQueryModel,
  vectorCandidates,
  vectorCandidatesQuery,
} from '../../src/kb/search-vector.js';
import { parseArticlesJsonl } from '../../src/kb/sources/jsonl.js';
import { usingPostgres } from '../support/db.js';
import { createTestDeps, type TestDeps } from '../support/deps.js';
import { ticketAnswerKb } from './support/second-kb.js';

// The agents' English answers to the multilingual tickets: a few thousand passages, enough for
// pgvector's default ef_search (40) to miss some of a query's 40 nearest passages.
const { docs, queries } = ticketAnswerKb('en');
// Subject lines: short queries, whose nearest passages are the least separated.
const asked = queries.filter((_, i) => i % 20 === 0).map((q) => q.query.split('\n')[0]!);
const CANDIDATES = 40; // what a draft's search asks the vector side for (fusionDefaults)

let deps: TestDeps;

beforeAll(async () => {
  deps = await createTestDeps();
  const jsonl = docs
    .slice(0, usingPostgres() ? 600 : 20)
    .map((d) => JSON.stringify(d))
    .join('\n');
  await indexEvalCorpus(deps.db, parseArticlesJsonl(jsonl), deps.embedders[0]!);
}, 120_000);
afterAll(async () => {
  await deps?.cleanup();
});

describe('hnsw.ef_search on the service’s connections', () => {
  it('is set when a connection opens, on Postgres and the embedded store alike', async () => {
    const [row] = await queryRows<{ ef: string }>(
      deps.db,
      sql`select current_setting('hnsw.ef_search') ef`,
    );
    expect(Number(row!.ef)).toBe(HNSW_EF_SEARCH);
  });

  // Real Postgres only: importing 600 articles into PGlite takes a minute and a half.
  it.skipIf(!usingPostgres())(
    'finds (nearly) all of a query’s 40 nearest passages in one statement, as an exact scan does',
    async () => {
      const model = pickQueryModel(await listEmbeddingModels(deps.db), deps.embedders)!;
      expect(model).not.toBeNull();
      let found = 0;
      let atDefault = 0;
      let total = 0;
      for (const query of asked) {
        const [vector] = await model.embedder.embed([query]);
        // The one-statement path a draft takes (no filters, no explicit ef_search).
        const indexed = await vectorCandidates(deps.db, model, vector!, CANDIDATES);
        const exact = await withTransaction(deps.db, async (tx) => {
          await tx.execute(sql`set local enable_indexscan = off`);
          return queryRows<{ chunk_id: string }>(
            tx,
            vectorCandidatesQuery(model, vector!, CANDIDATES),
          );
        });
        const pgvectorDefault = await withTransaction(deps.db, async (tx) => {
          await tx.execute(sql`set local hnsw.ef_search = 40`);
          return queryRows<{ chunk_id: string }>(
            tx,
            vectorCandidatesQuery(model, vector!, CANDIDATES),
          );
        });
        const truth = new Set(exact.map((r) => r.chunk_id));
        expect(truth.size).toBe(CANDIDATES);
        found += indexed.filter((c) => truth.has(c.chunkId)).length;
        atDefault += pgvectorDefault.filter((r) => truth.has(r.chunk_id)).length;
        total += truth.size;
      }
      const recall = found / total;
      // pgvector's own default (ef_search 40) found 0.979-0.98 of them on two builds of this
      // index and all on one (the graph's levels are random): reported, not asserted.
      console.log(
        `recall of the 40 nearest: ${recall} (at pgvector's default: ${atDefault / total})`,
      );
      expect(recall).toBeGreaterThanOrEqual(0.99);
    },
    60_000,
  );
});
