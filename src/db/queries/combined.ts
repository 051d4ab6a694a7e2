import { getTableColumns, type SQL, type SQLWrapper, sql } from 'drizzle-orm';
import type { PgTable } from 'drizzle-orm/pg-core';
import type { Db } from '../client.js';
import { rowsOf } from '../rows.js';

/**
 * Several writes as ONE statement, done only when its first part writes a row: the first part
 * (`gate`, a data-modifying statement with RETURNING) runs as the CTE `gate`, the others as
 * data-modifying CTEs that each check `gateWrote` themselves (`insertRowsIf`, or a WHERE). The
 * round trip, the parse/bind and the driver's work are paid once instead of per write (a triage
 * wrote its row, audit rows, event and outbox rows in five statements plus a transaction and a
 * lock). Postgres runs every part against the same snapshot, so the parts must be independent: no
 * part may read what another writes (the gate's RETURNING rows excepted), nor change a row another
 * changes. Atomic on its own. True when the gate wrote.
 */
export async function writeAllIf(
  db: Db,
  gate: SQLWrapper,
  parts: readonly (SQLWrapper | null | undefined)[],
): Promise<boolean> {
  const ctes = parts
    .filter((p): p is SQLWrapper => p != null)
    // getSQL(): a query builder embedded as is would be parenthesised, which Postgres refuses for
    // a data-modifying statement.
    .map((part, i) => sql`, ${sql.raw(`w${i}`)} as (${part.getSQL()})`);
  const [row] = rowsOf<{ wrote: boolean }>(
    await db.execute(
      sql`with gate as (${gate.getSQL()})${sql.join(ctes)} select ${gateWrote} as wrote`,
    ),
  );
  return row!.wrote === true;
}

/** True inside a `writeAllIf` part when its gate wrote a row. */
export const gateWrote = sql`exists (select 1 from gate)`;

/**
 * `insert into table (...) select ... where condition`: rows written only when `condition` holds
 * (a `writeAllIf` part checking `gateWrote`), which `insert ... values` cannot say. See
 * `insertRowsSql`; null when there are no rows.
 */
export function insertRowsIf<T extends PgTable>(
  table: T,
  rows: readonly T['$inferInsert'][],
  condition: SQL,
): SQL | null {
  if (rows.length === 0) return null;
  return sql`${insertRowsSql(table, rows).statement} where ${condition}`;
}

/**
 * `insert into table (...) select ... from jsonb_populate_recordset(...)`: the rows travel as one
 * JSON parameter read back with the table's own row type, so every value gets its column's type,
 * and drizzle builds a few chunks instead of a parameter per value (its per-chunk walk was the
 * largest part of building a triage's or a draft's statement). A column a row leaves out gets
 * NULL, not its default, unless every row leaves it out. `columns`: the columns written.
 */
export function insertRowsSql<T extends PgTable>(
  table: T,
  rows: readonly T['$inferInsert'][],
): { statement: SQL; columns: string[] } {
  // What drizzle would fill in on insert (`$defaultFn`, else `$onUpdate` for a column without a
  // default), as `insert ... values` does.
  const insertValue = (
    row: T['$inferInsert'],
    key: string,
    column: PgTable['_']['columns'][string],
  ) =>
    (row as Record<string, unknown>)[key] ??
    column.defaultFn?.() ??
    (column.default === undefined ? column.onUpdateFn?.() : undefined);
  const columns = Object.entries(getTableColumns(table)).filter(([key, column]) =>
    rows.some((row) => insertValue(row, key, column) !== undefined),
  );
  const json = rows.map((row) =>
    Object.fromEntries(
      columns.map(([key, column]) => {
        const value = insertValue(row, key, column);
        if (value === undefined || value === null) return [column.name, null];
        // JSON columns and arrays go in as they are (drizzle's mapping would turn them into a
        // string); jsonb_populate_recordset makes a JSON array an array column's value.
        if (column.dataType === 'json' || column.dataType === 'array') return [column.name, value];
        return [column.name, column.mapToDriverValue(value)];
      }),
    ),
  );
  // Column names come from the schema, not from input.
  const names = sql.raw(columns.map(([, column]) => `"${column.name}"`).join(', '));
  return {
    statement: sql`insert into ${table} (${names})
      select ${names} from jsonb_populate_recordset(null::${table}, ${JSON.stringify(json)}::jsonb)`,
    columns: columns.map(([, column]) => column.name),
  };
}
