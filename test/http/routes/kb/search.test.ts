import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../../../src/app.js';
import { createApiKey } from '../../../../src/auth/api-keys.js';
import { indexEvalCorpus } from '../../../../src/kb/eval.js';
import { parseArticlesJsonl } from '../../../../src/kb/sources/jsonl.js';
import { createTestDeps, type TestDeps } from '../../../support/deps.js';

const fixtures = path.resolve(import.meta.dirname, '../../../fixtures/draft-eval');
let deps: TestDeps;
let agent: string;

beforeAll(async () => {
  deps = await createTestDeps();
  const docs = parseArticlesJsonl(readFileSync(path.join(fixtures, 'docs.jsonl'), 'utf8'));
  await indexEvalCorpus(deps.db, docs, deps.embedders[0]!);
  agent = (await createApiKey(deps.db, { name: 'kb agent', role: 'agent' })).key;
});
afterAll(() => deps?.cleanup());

interface SearchJson {
  query: string;
  correctedQuery: string | null;
  passages: { title: string }[];
}

async function search(
  app: ReturnType<typeof createApp>,
  body: Record<string, unknown>,
): Promise<SearchJson> {
  const res = await app.request('/api/kb/search', {
    method: 'POST',
    headers: { authorization: `Bearer ${agent}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(res.status).toBe(200);
  return (await res.json()) as SearchJson;
}

describe('POST /api/kb/search: spelling', () => {
  it('searches misspelt words as the KB words the draft step reads, and says so', async () => {
    const app = createApp(deps);
    const found = await search(app, { query: 'refnud for my purchse', mode: 'lexical' });
    expect(found.query).toBe('refnud for my purchse');
    expect(found.correctedQuery).toBe('refund for my purchase');
    expect(found.passages[0]?.title).toBe('Refund policy');

    // Searched as written, the same words match nothing: the correction is what found it.
    const asWritten = await search(app, {
      query: 'refnud for my purchse',
      mode: 'lexical',
      spelling: false,
    });
    expect(asWritten.correctedQuery).toBeNull();
    expect(asWritten.passages).toEqual([]);

    const right = await search(app, { query: 'refund for my purchase' });
    expect(right.correctedQuery).toBeNull();
  });

  it('leaves queries in another language, names and codes as written', async () => {
    const app = createApp(deps);
    const german = await search(app, {
      query: 'Die Rückerstattung geht nicht, wie bekomme ich mein Geld für den purchse?',
    });
    expect(german.correctedQuery).toBeNull();
    const restricted = await search(app, { query: 'refnud', filters: { language: 'de' } });
    expect(restricted.correctedQuery).toBeNull();
    const names = await search(app, { query: 'PayPal refnud for order purchse42' });
    expect(names.correctedQuery).toBe('PayPal refund for order purchse42');
  });

  it('searches as written with KB_SPELLING=off, whatever KB_SYNONYMS says', async () => {
    const off = createApp({ ...deps, config: { ...deps.config, KB_SPELLING: 'off' } });
    const found = await search(off, { query: 'refnud for my purchse' });
    expect(found.correctedQuery).toBeNull();
    const noSynonyms = createApp({ ...deps, thesaurus: null });
    expect((await search(noSynonyms, { query: 'refnud for my purchse' })).correctedQuery).toBe(
      'refund for my purchase',
    );
  });
});
