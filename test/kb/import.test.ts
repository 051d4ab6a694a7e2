import { mkdtemp, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kbImport } from '../../src/cli/commands/kb-import.js';
import { importArticles } from '../../src/kb/import.js';
import { indexArticle } from '../../src/kb/indexer.js';
import { searchKnowledgeBase } from '../../src/kb/search.js';
import { HashedEmbedder } from '../../src/models/embedder/hashed.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { ABCD_DIR, abcdSampleQueries, BITEXT_DIR, writeAbcdFolder } from './support/abcd.js';
import { countRows, pendingKbJobs } from './support/kb.js';

const embedder = new HashedEmbedder();
let database: TestDatabase;
let tmp: string;

beforeAll(async () => {
  database = await createTestDatabase();
  tmp = await mkdtemp(path.join(tmpdir(), 'kb-import-'));
});
afterAll(async () => {
  await database?.destroy();
  await rm(tmp, { recursive: true, force: true });
});

const search = (query: string, limit = 5) =>
  searchKnowledgeBase(database.db, { query, limit, perArticle: 1 }, { embedders: [embedder] });

describe('bitext FAQ (JSONL)', () => {
  const docs = path.join(BITEXT_DIR, 'docs.jsonl');

  it('imports every article, chunks it and stores a vector per chunk', async () => {
    const report = await kbImport(database.db, docs, { embedder });
    expect(report).toMatchObject({
      kind: 'jsonl',
      created: 27,
      updated: 0,
      deleted: 0,
      indexed: 27,
    });
    const chunks = await countRows(database.db, 'kb_chunks');
    expect(chunks).toBeGreaterThanOrEqual(27);
    expect(await countRows(database.db, 'kb_chunk_embeddings')).toBe(chunks);
    const top = await search('how do I cancel my order?');
    expect(top.passages[0]).toMatchObject({ externalId: 'cancel_order', title: 'Cancel order' });
    expect(top.model).toBe(embedder.name);
  });

  it('does nothing when the same file is imported again', async () => {
    const before = await countRows(database.db, 'kb_postings');
    const report = await kbImport(database.db, docs, { embedder });
    expect(report).toMatchObject({ created: 0, updated: 0, unchanged: 27, deleted: 0, indexed: 0 });
    expect(report.toIndex).toEqual([]);
    expect(await countRows(database.db, 'kb_postings')).toBe(before);
  });
});

describe('a folder of Markdown, HTML and text', () => {
  let dir: string;
  beforeAll(async () => {
    dir = path.join(tmp, 'help');
    await writeAbcdFolder(dir);
    await writeFile(
      path.join(dir, 'gift-wrap.html'),
      '<html lang="en"><body><h1>Gift wrapping</h1><p>We wrap any order in recycled paper for $3.</p></body></html>',
    );
    await writeFile(
      path.join(dir, 'opening-hours.txt'),
      'Opening hours\n\nOur phone line is open 9am to 5pm.',
    );
  });

  // Imports and indexes 57 articles: ~12 s alone on PGlite, near the 30 s default when the whole
  // suite shares two cores.
  it('imports the ABCD guidelines rendered as Markdown (55 subflows) plus HTML and text', async () => {
    const report = await kbImport(database.db, dir, { embedder });
    expect(report).toMatchObject({ kind: 'folder', created: 57, indexed: 57 });
    const wrap = await search('do you gift wrap presents?');
    expect(wrap.passages[0]).toMatchObject({
      title: 'Gift wrapping',
      externalId: 'gift-wrap.html',
    });
    const hours = await search('when is the phone line open');
    expect(hours.passages[0]?.title).toBe('Opening hours');
  }, 60_000);

  it('finds the subflow an agent followed from the customer request in the ABCD dialogues', async () => {
    const expected: Record<string, string[]> = {
      return_size: ['Return Due to Size', 'Return Due to Color', 'Return Due to Stain'],
      refund_status: ['Refund Status'],
      timing_4: ['Timing FAQ', 'Promo Code Out of Date', 'Promo Code Invalid'],
    };
    const samples = abcdSampleQueries();
    expect(samples).toHaveLength(3);
    for (const sample of samples) {
      const result = await search(sample.query, 3);
      const titles = result.passages.map((p) => p.title);
      expect(
        titles.some((t) => expected[sample.subflow]?.includes(t)),
        `${sample.query} → ${titles}`,
      ).toBe(true);
    }
  });

  it('re-chunks a changed file and drops a deleted one from results', async () => {
    const file = path.join(dir, 'gift-wrap.html');
    await writeFile(
      file,
      '<h1>Gift wrapping</h1><h2>Price</h2><p>Gift wrapping is free for members; the ribbon is silk.</p>',
    );
    await unlink(path.join(dir, 'opening-hours.txt'));
    const report = await kbImport(database.db, dir, { embedder });
    expect(report).toMatchObject({ created: 0, updated: 1, deleted: 1, unchanged: 55, indexed: 1 });
    const silk = await search('is the ribbon silk');
    expect(silk.passages[0]).toMatchObject({ title: 'Gift wrapping', section: 'Price' });
    expect(silk.passages[0]?.text).toContain('free for members');
    const old = await search('recycled paper wrapping for $3', 20);
    expect(old.passages.some((p) => p.text.includes('recycled paper'))).toBe(false);
    const hours = await search('when is the phone line open', 20);
    expect(hours.passages.some((p) => p.title === 'Opening hours')).toBe(false);
  });

  it('refuses to prune a collection against a folder with no articles', async () => {
    // The ABCD folder itself holds only JSON data files, none of them articles.
    await expect(kbImport(database.db, ABCD_DIR, { embedder })).rejects.toThrow(
      /no articles found/,
    );
  });
});

describe('queued indexing', () => {
  it('writes one kb-index job per new or changed article in the import transaction', async () => {
    const articles = [
      { externalId: 'a', title: 'Alpha', body: 'First.', format: 'text' as const },
      { externalId: 'b', title: 'Beta', body: 'Second.', format: 'text' as const },
    ];
    const first = await importArticles(database.db, articles, { source: 'queued', enqueue: true });
    const jobs = await pendingKbJobs(database.db);
    expect(jobs.map((j) => j.payload)).toEqual(
      expect.arrayContaining(first.toIndex.map((articleId) => ({ articleId }))),
    );
    for (const id of first.toIndex)
      expect(await indexArticle(database.db, id, [embedder])).toBe('indexed');
    // A duplicate delivery of the same job is a no-op.
    expect(await indexArticle(database.db, first.toIndex[0]!, [embedder])).toBe('unchanged');
    const again = await importArticles(database.db, articles, { source: 'queued', enqueue: true });
    expect(again.toIndex).toEqual([]);
    expect((await pendingKbJobs(database.db)).length).toBe(jobs.length);
  });
});
