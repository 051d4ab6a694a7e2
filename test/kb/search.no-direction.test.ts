import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { indexEvalCorpus } from '../../src/kb/eval.js';
import { searchKnowledgeBase } from '../../src/kb/search.js';
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
