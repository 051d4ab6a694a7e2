import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fuseScores, searchKnowledgeBase } from '../../src/kb/search.js';
import { lexicalCandidates } from '../../src/kb/search-lexical.js';
import type { ArticleInput } from '../../src/kb/types.js';
import type { TestDatabase } from '../support/db.js';
import { fillerArticles, indexedKb } from './support/kb.js';

let database: TestDatabase;

// The bitext FAQ's failure in small: "Edit account" repeats "gold account" in its body, so BM25F
// alone ranks it first for "create gold account", whose words are all in the other title.
const articles: ArticleInput[] = [
  {
    externalId: 'create',
    title: 'Create account',
    body: 'Opening a new platinum account is easy: visit the website, choose Sign up and fill in your details.',
    format: 'text',
  },
  {
    externalId: 'edit',
    title: 'Edit account',
    body: 'To change your gold account details, log in, open the gold account settings and save the changes to your gold account.',
    format: 'text',
  },
  {
    externalId: 'reply-12',
    title: 'Reply 12',
    body: 'We have restarted the mail server.',
    format: 'text',
  },
  ...fillerArticles(['Gift cards', 'Returns', 'Password reset']),
];

beforeAll(async () => {
  database = await indexedKb(articles, 'title-cover');
});
afterAll(async () => {
  await database?.destroy();
});

const ids = async (query: string, mode: 'hybrid' | 'lexical') =>
  (await searchKnowledgeBase(database.db, { query, mode })).passages.map((p) => p.externalId);

describe('title coverage', () => {
  it('is the share of the title words the query has, numbers aside', async () => {
    const found = await lexicalCandidates(database.db, 'create gold account', 10);
    const hybrid = await searchKnowledgeBase(database.db, { query: 'create gold account' });
    const cover = new Map(
      hybrid.passages.map((p) => [
        p.externalId,
        found.find((c) => c.chunkId === p.chunkId)?.titleCover,
      ]),
    );
    expect(cover.get('create')).toBe(1);
    expect(cover.get('edit')).toBe(0.5);
    // "12" is in the query and the title: a number names no topic.
    const numbered = await lexicalCandidates(database.db, 'server restarted 12 times', 10);
    expect(numbered.map((c) => c.titleCover)).toEqual([0]);
  });

  it('lifts the article whose title the query names above one whose body repeats its words', async () => {
    expect((await ids('create gold account', 'lexical'))[0]).toBe('edit');
    expect((await ids('create gold account', 'hybrid'))[0]).toBe('create');
  });

  it('keeps the fused score in [0, 1]', () => {
    const fused = fuseScores(
      [{ chunkId: 'a', score: 3, titleCover: 1 }],
      [{ chunkId: 'a', score: 0.9 }],
      0.5,
      0.2,
    );
    expect(fused.get('a')!.score).toBeCloseTo((0.5 + 0.45 + 0.2) / 1.2, 6);
    expect(fused.get('a')!.score).toBeLessThanOrEqual(1);
  });
});
