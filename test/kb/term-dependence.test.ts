import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/queries/kb.js';
import { searchKnowledgeBase } from '../../src/kb/search.js';
import { lexicalCandidates } from '../../src/kb/search-lexical.js';
import type { ArticleInput } from '../../src/kb/types.js';
import type { TestDatabase } from '../support/db.js';
import { fillerArticles, indexedKb } from './support/kb.js';

let database: TestDatabase;

// "cancel" and "order" are in both articles, in the body only. Only the first has them adjacent
// ("cancel your order" once stop words are dropped); its body is one lexeme longer, so plain
// BM25F ranks the second first.
const articles: ArticleInput[] = [
  {
    externalId: 'adjacent',
    title: 'Before shipping',
    body: 'You can cancel your order from the account page while the warehouse is still preparing the parcel.',
    format: 'text',
  },
  {
    externalId: 'scattered',
    title: 'Subscriptions',
    body: 'Cancel the subscription online, then order a new plan later.',
    format: 'text',
  },
  ...fillerArticles(['Gift cards', 'Returns', 'Password reset']),
];

beforeAll(async () => {
  database = await indexedKb(articles, 'dependence');
});
afterAll(async () => {
  await database?.destroy();
});

async function externalIds(chunkIds: string[]): Promise<string[]> {
  const rows = await queryRows<{ id: string; external_id: string }>(
    database.db,
    sql`select c.id, a.external_id from kb_chunks c join kb_articles a on a.id = c.article_id`,
  );
  const byId = new Map(rows.map((r) => [r.id, r.external_id]));
  return chunkIds.map((id) => byId.get(id)!);
}

describe('term dependence (ordered bigrams)', () => {
  it('indexes adjacent lexemes of each field as bigram postings', async () => {
    const rows = await queryRows<{ lexeme: string }>(
      database.db,
      sql`select p.lexeme from kb_postings p join kb_chunks c on c.id = p.chunk_id
        join kb_articles a on a.id = c.article_id
        where a.external_id = 'adjacent' and strpos(p.lexeme, chr(31)) > 0`,
    );
    const bigrams = rows.map((r) => r.lexeme.replace('\x1f', ' '));
    expect(bigrams).toContain('cancel order');
    // Title and body are separate fields: no bigram spans them.
    expect(bigrams).not.toContain('order cancel');
  });

  it('keeps field lengths in lexemes (bigram rows do not count)', async () => {
    const [row] = await queryRows<{ body_length: number; lexemes: number }>(
      database.db,
      sql`select c.body_length, (
          select sum(array_length(t.positions, 1))::int
          from unnest(to_tsvector(c.text_config::regconfig, c.text)) t
        ) lexemes
        from kb_chunks c join kb_articles a on a.id = c.article_id
        where a.external_id = 'adjacent'`,
    );
    expect(row!.body_length).toBe(row!.lexemes);
  });

  it('ranks the passage with the query words in order above one with them apart', async () => {
    const plain = await lexicalCandidates(database.db, 'how do I cancel my order', 5, undefined, {
      bigramWeight: 0,
    });
    expect((await externalIds(plain.map((c) => c.chunkId))).slice(0, 2)).toEqual([
      'scattered',
      'adjacent',
    ]);

    const result = await searchKnowledgeBase(database.db, {
      query: 'how do I cancel my order',
      mode: 'lexical',
    });
    expect(result.passages.map((p) => p.externalId).slice(0, 2)).toEqual(['adjacent', 'scattered']);
  });

  it('rejects a bigram weight outside [0, 1)', async () => {
    await expect(
      lexicalCandidates(database.db, 'cancel order', 5, undefined, { bigramWeight: 1 }),
    ).rejects.toThrow(/bigramWeight/);
  });
});
