import { readFileSync } from 'node:fs';
import path from 'node:path';
import { eq, sql } from 'drizzle-orm';
import type { Db } from '../../../src/db/client.js';
import { queryRows } from '../../../src/db/queries/kb.js';
import { outbox } from '../../../src/db/schema/outbox.js';
import { parseEvalQueries } from '../../../src/kb/eval.js';
import { parseArticlesJsonl } from '../../../src/kb/sources/jsonl.js';
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
