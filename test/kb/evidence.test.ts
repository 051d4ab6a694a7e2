import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseRoundTrips } from '../../src/db/client.js';
import { queryRows } from '../../src/db/queries/kb.js';
import { indexEvalCorpus } from '../../src/kb/eval.js';
import { type QueryTerm, queryTerms, termsOfSearch } from '../../src/kb/evidence.js';
import { textConfigFor } from '../../src/kb/language.js';
import { searchKnowledgeBase } from '../../src/kb/search.js';
import { parseArticlesJsonl } from '../../src/kb/sources/jsonl.js';
import { createTestDeps, type TestDeps } from '../support/deps.js';

/**
 * The draft confidence's word statistics, read by the search's own statement (one round trip per
 * draft fewer, issue #18), must be exactly what `queryTerms` reads on its own: the same lexemes,
 * document frequencies, corpus sizes and candidate articles, on a KB of two languages.
 */
let deps: TestDeps;

const articles = [
  [
    'reset-password',
    'en',
    'Reset your password',
    'Open the sign-in page and click Forgot password. Follow the link we email you.',
  ],
  [
    'refund',
    'en',
    'Refunds',
    'A refund reaches your card within five business days after we receive the return.',
  ],
  [
    'shipping',
    'en',
    'Shipping times',
    'Standard shipping takes three to five business days; express arrives the next day.',
  ],
  [
    'cancel',
    'en',
    'Cancel your subscription',
    'Open Settings, Billing and click Cancel subscription. Your plan ends with the period.',
  ],
  [
    'passwort',
    'de',
    'Passwort zurücksetzen',
    'Öffnen Sie die Anmeldeseite und klicken Sie auf Passwort vergessen.',
  ],
  [
    'erstattung',
    'de',
    'Erstattungen',
    'Eine Erstattung erscheint innerhalb von fünf Werktagen auf Ihrer Karte.',
  ],
].map(([id, language, title, body]) => JSON.stringify({ id, language, title, body }));

beforeAll(async () => {
  deps = await createTestDeps();
  await indexEvalCorpus(deps.db, parseArticlesJsonl(articles.join('\n')), deps.embedders[0]!);
});
afterAll(async () => {
  await deps.cleanup();
});

const sorted = (terms: QueryTerm[]) =>
  terms
    .map((t) => ({ ...t, articles: [...t.articles].sort() }))
    .sort((a, b) =>
      a.textConfig === b.textConfig
        ? a.lexeme.localeCompare(b.lexeme)
        : a.textConfig.localeCompare(b.textConfig),
    );

describe('termsOfSearch', () => {
  it.each([
    'I forgot my password and cannot log in, how do I reset it?',
    'How long does a refund take to show up on my card? Order 4411, paid 30 EUR',
    'Ich habe mein Passwort vergessen, wie kann ich es zurücksetzen?',
    'Wann erscheint die Erstattung auf meiner Karte?',
    'The chimney exhales a thick smoke',
  ])('reads in the search statement what queryTerms reads on its own: %s', async (query) => {
    const options = { embedders: deps.embedders, synonyms: deps.thesaurus };
    const search = await searchKnowledgeBase(
      deps.db,
      { query, limit: 8, perArticle: 2, terms: true },
      options,
    );
    expect(search.terms).not.toBeNull();
    expect(search.passages.length).toBeGreaterThan(0);
    const ids = [...new Set(search.passages.map((p) => p.articleId))];
    const configs = [...new Set(search.passages.map((p) => textConfigFor(p.language)))];
    const before = databaseRoundTrips();
    const folded = await termsOfSearch(deps.db, search, ids, configs);
    expect(databaseRoundTrips()).toBe(before);
    const own = await queryTerms(deps.db, search.query, ids, configs);
    expect(own.length).toBeGreaterThan(0);
    expect(sorted(folded)).toEqual(sorted(own));
    // One language's configuration only, as the baseline asks.
    const first = [textConfigFor(search.passages[0]!.language)];
    expect(sorted(await termsOfSearch(deps.db, search, ids, first))).toEqual(
      sorted(await queryTerms(deps.db, search.query, ids, first)),
    );
  });

  it('reads them on its own for an article the search did not return (an answered question brought it)', async () => {
    const query = 'reset my password';
    const search = await searchKnowledgeBase(
      deps.db,
      { query, limit: 1, perArticle: 2, terms: true },
      { embedders: deps.embedders },
    );
    expect(search.terms).not.toBeNull();
    const [row] = await queryRows<{ id: string }>(
      deps.db,
      sql`select id from kb_articles where external_id = 'erstattung'`,
    );
    const other = row!.id;
    expect(search.passages.map((p) => p.articleId)).not.toContain(other);
    const ids = [...new Set([...search.passages.map((p) => p.articleId), other])];
    const configs = ['english', 'german'];
    const before = databaseRoundTrips();
    const terms = await termsOfSearch(deps.db, search, ids, configs);
    expect(databaseRoundTrips()).toBe(before + 1);
    expect(sorted(terms)).toEqual(sorted(await queryTerms(deps.db, query, ids, configs)));
  });

  it('falls back to its own statement when the search did not read them', async () => {
    const query = 'reset my password';
    const search = await searchKnowledgeBase(deps.db, { query, limit: 8, perArticle: 2 });
    expect(search.terms).toBeNull();
    const ids = [...new Set(search.passages.map((p) => p.articleId))];
    const before = databaseRoundTrips();
    const terms = await termsOfSearch(deps.db, search, ids, ['english']);
    expect(databaseRoundTrips()).toBe(before + 1);
    expect(sorted(terms)).toEqual(sorted(await queryTerms(deps.db, query, ids, ['english'])));
  });
});
