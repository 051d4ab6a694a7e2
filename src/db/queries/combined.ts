import { type SQL, type SQLWrapper, sql } from 'drizzle-orm';
import type { Db } from '../client.js';

/**
 * Several writes as ONE statement: all but the last become data-modifying CTEs, so the round trip,
 * the parse/bind and the driver's work are paid once instead of per write (a triage or a draft
 * wrote its row, audit rows, event and outbox row in five to seven statements). Postgres runs every
 * part against the same snapshot, so the parts must be independent: no part may read what another
 * writes, nor change a row another changes. Atomic on its own; inside a transaction, part of it.
 */
export async function writeAll(db: Db, parts: readonly (SQLWrapper | null | undefined)[]) {
  const list = parts.filter((p): p is SQLWrapper => p != null);
  if (list.length === 0) return;
  await db.execute(combinedSql(list));
}

export function combinedSql(list: readonly SQLWrapper[]): SQL {
  // getSQL(): a query builder embedded as is would be parenthesised, which Postgres refuses for
  // a data-modifying statement.
  if (list.length === 1) return list[0]!.getSQL();
  const ctes = list.slice(0, -1).map((part, i) => sql`${sql.raw(`w${i}`)} as (${part.getSQL()})`);
  return sql`with ${sql.join(ctes, sql`, `)} ${list.at(-1)!.getSQL()}`;
}
