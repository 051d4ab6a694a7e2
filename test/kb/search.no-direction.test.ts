import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseRoundTrips } from '../../src/db/client.js';
import { listEmbeddingModels } from '../../src/db/queries/kb.js';
import { indexEvalCorpus } from '../../src/kb/eval.js';
import { searchKnowledgeBase } from '../../src/kb/search.js';
import { lexicalCandidates } from '../../src/kb/search-lexical.js';
import { pickQueryModel, vectorCandidates } from '../../src/kb/search-vector.js';
import { parseArticlesJsonl } from '../../src/kb/sources/jsonl.js';
import { createTestDeps, type TestDeps } from '../support/deps.js';

const fixtures = path.resolve(import.meta.dirname, '../fixtures/draft-eval');
let deps: TestDeps;

beforeAll(async () => {
  deps = await createTestDeps();
  const docs = parseArticlesJsonl(readFileSync(path.join(fixtures, 'docs.jsonl'), 'utf8'));
  await indexEvalCorpus(deps.db, docs, deps.embedders[0]!);
});
afterAll(async () => {
  await deps.cleanup();
});

describe('hybrid search on a query of function words only', () => {
  it('leaves the vector side out instead of scoring every passage NaN', async () => {
    const [embedding] = await deps.embedders[0]!.embed(['What do we have here?']);
    expect(embedding!.every((x) => x === 0)).toBe(true);
    const result = await searchKnowledgeBase(
      deps.db,
      { query: 'What do we have here?', limit: 8 },
      { embedders: deps.embedders },
    );
    for (const p of result.passages) {
      expect(Number.isFinite(p.score)).toBe(true);
      expect(p.scores.vector).toBeNull();
    }
  });
});

const queries = [
  'I cannot log in and the reset email never arrives',
  'How long does a refund take to appear on my card?',
  'Please tell me how to cancel my subscription.',
];

describe('hybrid search without filters', () => {
  it('reads both sides in one statement, with the scores and ranks each side alone gives', async () => {
    const embeddingModels = await listEmbeddingModels(deps.db);
    const model = pickQueryModel(embeddingModels, deps.embedders)!;
    for (const query of queries) {
      const before = databaseRoundTrips();
      const result = await searchKnowledgeBase(
        deps.db,
        { query, limit: 8 },
        { embedders: deps.embedders, embeddingModels },
      );
      // Both sides, then the passages.
      expect(databaseRoundTrips() - before).toBe(2);
      expect(result.passages.length).toBeGreaterThan(0);

      const lexical = await lexicalCandidates(deps.db, query, 40);
      const [vector] = await model.embedder.embed([query]);
      const nearest = await vectorCandidates(deps.db, model, vector!, 40);
      for (const p of result.passages) {
        if (p.scores.lexicalRank !== null) {
          expect(lexical[p.scores.lexicalRank - 1]).toMatchObject({
            chunkId: p.chunkId,
            score: p.scores.lexical,
          });
        }
        expect(p.scores.vectorRank).not.toBeNull();
        expect(nearest[p.scores.vectorRank! - 1]).toEqual({
          chunkId: p.chunkId,
          score: p.scores.vector,
        });
      }
      expect(result.vectorScores).toEqual(nearest.map((c) => c.score).sort((a, b) => b - a));
    }
  });
});
