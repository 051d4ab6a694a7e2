import { readFileSync } from 'node:fs';
import path from 'node:path';
import { eq, sql } from 'drizzle-orm';
import type { Db } from '../../../src/db/client.js';
import { queryRows } from '../../../src/db/queries/kb.js';
import { outbox } from '../../../src/db/schema/outbox.js';
import { parseEvalQueries } from '../../../src/kb/eval.js';
import { importArticles } from '../../../src/kb/import.js';
import { indexPendingArticles } from '../../../src/kb/indexer.js';
import { parseArticlesJsonl } from '../../../src/kb/sources/jsonl.js';
import type { ArticleInput } from '../../../src/kb/types.js';
import { createTestDatabase, type TestDatabase } from '../../support/db.js';
import { BITEXT_DIR } from './abcd.js';

export function bitextDocs() {
  return parseArticlesJsonl(readFileSync(path.join(BITEXT_DIR, 'docs.jsonl'), 'utf8'));
}

export function bitextQueries() {
  return parseEvalQueries(readFileSync(path.join(BITEXT_DIR, 'queries.jsonl'), 'utf8'));
}

export async function countRows(db: Db, table: string): Promise<number> {
  const [row] = await queryRows<{ n: number }>(db, sql.raw(`select count(*)::int n from ${table}`));
  return row?.n ?? 0;
}

export async function pendingKbJobs(db: Db) {
  return db.select().from(outbox).where(eq(outbox.jobName, 'kb-index'));
}

/** One-paragraph articles on other topics, so that a small test KB has realistic term statistics. */
export function fillerArticles(titles: readonly string[]): ArticleInput[] {
  return titles.map((title, i) => ({
    externalId: `filler-${i}`,
    title,
    body: `${title} are handled by the support team within two working days.`,
    format: 'text' as const,
  }));
}

/** A fresh test database holding `articles`, imported and indexed (lexical index; no embedders). */
export async function indexedKb(articles: ArticleInput[], source: string): Promise<TestDatabase> {
  const database = await createTestDatabase();
  await importArticles(database.db, articles, { source });
  await indexPendingArticles(database.db, []);
  return database;
}
