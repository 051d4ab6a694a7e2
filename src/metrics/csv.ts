import { stringify } from 'csv-stringify/sync';

/**
 * RFC 4180 CSV (header from the first row's keys, or `columns`; CRLF line ends) through
 * `csv-stringify`. Cells a spreadsheet would run as a formula (starting `=`, `+`, `-`, `@`, TAB or
 * CR) are prefixed with `'` (its `escape_formulas`): category names, team names and tags come
 * from people, and a manager opening the export must not run what someone typed. Numbers stay
 * numbers, negative ones included; a numeric string (Postgres `numeric`) is passed as the number
 * it spells when that round-trips exactly, so it is not mistaken for a formula either.
 */
export function toCsv(rows: readonly object[], columns?: string[]): string {
  const cols = columns ?? Object.keys(rows[0] ?? {});
  const records = rows.map((row) =>
    cols.map((column) => cellValue((row as Record<string, unknown>)[column])),
  );
  return stringify(records, {
    header: true,
    columns: cols,
    escape_formulas: true,
    record_delimiter: 'windows',
    // A lone CR or LF inside a value must be quoted too (the default only quotes CRLF).
    quoted_match: /[\r\n]/,
    cast: {
      boolean: (value) => String(value),
      object: (value) => JSON.stringify(value),
      date: (value) => value.toISOString(),
    },
  });
}

function cellValue(value: unknown): unknown {
  if (value === null || value === undefined) return '';
  if (
    typeof value === 'string' &&
    /^-\d+(\.\d+)?$/.test(value) &&
    String(Number(value)) === value
  ) {
    return Number(value);
  }
  return value;
}
