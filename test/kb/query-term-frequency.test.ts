import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kbArticles } from '../../src/db/schema/kb-articles.js';
import { kbChunks } from '../../src/db/schema/kb-chunks.js';
import { indexEvalCorpus } from '../../src/kb/eval.js';
import { lexicalCandidates } from '../../src/kb/search-lexical.js';
import { parseArticlesJsonl } from '../../src/kb/sources/jsonl.js';
import { createTestDeps, type TestDeps } from '../support/deps.js';

// Two articles of the same shape, each matching one of the query's words once.
const docs = [
  { id: 'refunds', title: 'Refunds', body: 'We refund the payment within five working days.' },
  { id: 'shipping', title: 'Shipping', body: 'We ship the parcel within five working days.' },
];
let deps: TestDeps;

beforeAll(async () => {
  deps = await createTestDeps();
  const jsonl = docs.map((d) => JSON.stringify(d)).join('\n');
  await indexEvalCorpus(deps.db, parseArticlesJsonl(jsonl), deps.embedders[0]!);
});
afterAll(() => deps?.cleanup());

describe('lexical search and a word the query repeats', () => {
  it('weighs the repeated word more, with diminishing returns', async () => {
    const scoreOf = async (query: string) => {
      const found = await lexicalCandidates(deps.db, query, 10);
      const chunks = await deps.db
        .select({ chunkId: kbChunks.id, externalId: kbArticles.externalId })
        .from(kbChunks)
        .innerJoin(kbArticles, eq(kbArticles.id, kbChunks.articleId));
      const article = new Map(chunks.map((c) => [c.chunkId, c.externalId]));
      return (id: string) => found.find((c) => article.get(c.chunkId) === id)?.score ?? 0;
    };
    const once = await scoreOf('refund shipping');
    // Same words once each: the two articles score alike.
    expect(once('refunds') / once('shipping')).toBeCloseTo(1, 1);
    const twice = await scoreOf('refund refund shipping');
    expect(twice('refunds') / twice('shipping')).toBeCloseTo((2.2 * 2) / 3.2, 2);
    const thrice = await scoreOf('refund refund refund shipping');
    const gain = thrice('refunds') / twice('refunds');
    expect(gain).toBeGreaterThan(1);
    expect(gain).toBeLessThan(twice('refunds') / once('refunds'));
  });
});
