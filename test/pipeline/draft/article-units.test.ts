import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowsOf } from '../../../src/db/rows.js';
import { kbImport } from '../../../src/kb/import-path.js';
import { unitsOfArticle } from '../../../src/pipeline/draft/article-units.js';
import { createTestDeps, type TestDeps } from '../../support/deps.js';

let deps: TestDeps;
let dir: string;

beforeAll(async () => {
  deps = await createTestDeps();
  dir = mkdtempSync(path.join(tmpdir(), 'deskpilot-units-'));
});
afterAll(async () => {
  await deps.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

async function importRefunds(days: number) {
  writeFileSync(
    path.join(dir, 'refunds.md'),
    `# Refunds\n\nA refund takes ${days} business days to appear on your card.\n`,
  );
  await kbImport(deps.db, dir);
  const [passage] = rowsOf<{ articleId: string; chunkId: string; language: string }>(
    await deps.db.execute(sql`select c.article_id as "articleId", c.id as "chunkId", c.language
      from kb_chunks c join kb_articles a on a.id = c.article_id where a.title = 'Refunds'`),
  );
  return passage!;
}

const texts = (units: readonly { text: string }[]) => units.map((u) => u.text).join(' ');

describe('an article’s quotable units', () => {
  it('are read once per version of its chunks, and again once it is re-indexed', async () => {
    const first = await importRefunds(5);
    const units = await unitsOfArticle(deps.db, first);
    expect(texts(units)).toContain('5 business days');
    expect(await unitsOfArticle(deps.db, first)).toBe(units);

    // Re-indexing replaces the chunks: the search then finds a new chunk id, and the new text.
    const second = await importRefunds(10);
    expect(second.chunkId).not.toBe(first.chunkId);
    const fresh = await unitsOfArticle(deps.db, second);
    expect(texts(fresh)).toContain('10 business days');
    expect(texts(fresh)).not.toContain('5 business days');
  });

  it('are not kept when the chunk the search found is gone by the time they are read', async () => {
    const current = await importRefunds(7);
    const stale = { ...current, chunkId: '00000000-0000-4000-8000-000000000000' };
    const once = await unitsOfArticle(deps.db, stale);
    expect(texts(once)).toContain('7 business days');
    expect(await unitsOfArticle(deps.db, stale)).not.toBe(once);
  });
});
