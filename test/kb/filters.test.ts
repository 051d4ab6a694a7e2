import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importArticles } from '../../src/kb/import.js';
import { indexPendingArticles } from '../../src/kb/indexer.js';
import { type SearchMode, searchKnowledgeBase } from '../../src/kb/search.js';
import type { SearchFilters } from '../../src/kb/search-filters.js';
import type { ArticleInput } from '../../src/kb/types.js';
import { activateEmbedder } from '../../src/kb/vector-index.js';
import { HashedEmbedder } from '../../src/models/embedder/hashed.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

const embedder = new HashedEmbedder();
let database: TestDatabase;

// 300 near-identical English articles about billing and one matching article per filter value:
// a post-filter over the top HNSW candidates would miss the rare ones.
const filler: ArticleInput[] = Array.from({ length: 300 }, (_, i) => ({
  externalId: `billing-${i}`,
  title: `Billing question ${i}`,
  body: `How to update the card used for invoice number ${i}. Invoices are emailed monthly.`,
  format: 'text',
  tags: ['billing'],
  product: 'web',
}));
const rare: ArticleInput[] = [
  {
    externalId: 'mobile-invoice',
    title: 'Invoices in the mobile app',
    body: 'Open the app, tap Account, then Invoices to download an invoice.',
    format: 'markdown',
    tags: ['billing', 'mobile'],
    product: 'ios',
  },
  {
    externalId: 'de-rechnung',
    title: 'Rechnungen herunterladen',
    body: 'Sie können jede Rechnung im Kundenkonto unter Rechnungen herunterladen.',
    format: 'markdown',
    language: 'de',
    tags: ['billing'],
  },
];

beforeAll(async () => {
  database = await createTestDatabase();
  await activateEmbedder(database.db, embedder);
  await importArticles(database.db, [...filler, ...rare], { source: 'filters' });
  await indexPendingArticles(database.db, [embedder]);
});
afterAll(async () => {
  await database?.destroy();
});

const search = (query: string, filters: SearchFilters | undefined, mode: SearchMode = 'hybrid') =>
  searchKnowledgeBase(database.db, { query, limit: 5, filters, mode }, { embedders: [embedder] });

describe('search filters', () => {
  for (const mode of ['vector', 'lexical', 'hybrid'] as const) {
    it(`keeps recall for a selective tag filter (${mode})`, async () => {
      const result = await search('download invoice', { tags: ['mobile'] }, mode);
      expect(result.passages.map((p) => p.externalId)).toEqual(['mobile-invoice']);
    });

    it(`filters by product and by language (${mode})`, async () => {
      const ios = await search('download invoice', { product: 'ios' }, mode);
      expect(ios.passages.map((p) => p.externalId)).toEqual(['mobile-invoice']);
      const de = await search('Rechnung herunterladen', { language: 'de' }, mode);
      expect(de.passages.map((p) => p.externalId)).toEqual(['de-rechnung']);
    });
  }

  it('analyses the query with each language configuration of the corpus', async () => {
    // "Rechnungen" (plural) is stemmed by the German configuration to match "Rechnung".
    const result = await search('Rechnung', undefined, 'lexical');
    expect(result.passages[0]?.externalId).toBe('de-rechnung');
    // English stemming still applies to English articles in the same corpus.
    const english = await search('invoicing emails', { tags: ['billing'] }, 'lexical');
    expect(english.passages.length).toBe(5);
  });

  it('combines filters and returns nothing when none match', async () => {
    const none = await search('download invoice', { tags: ['mobile'], language: 'de' });
    expect(none.passages).toEqual([]);
  });
});
