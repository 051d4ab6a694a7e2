import { readFile } from 'node:fs/promises';
import { parse } from 'csv-parse/sync';
import type { LabelledText } from './train.js';

export interface LabelledRow {
  readonly text: string;
  /** Non-empty values of the requested label columns, by column name. */
  readonly labels: Readonly<Record<string, string>>;
}

/**
 * Reads a CSV with a header row (quoted multi-line fields allowed) as texts with several label
 * columns (category, queue, priority…). Several text columns are joined with a newline. Shared by
 * `eval:classify` and `cli classifier train --csv`.
 */
export async function readLabelledRows(
  path: string,
  textColumns: readonly string[],
  labelColumns: readonly string[],
): Promise<{ rows: LabelledRow[]; header: string[] }> {
  let damaged = 0;
  const records: Record<string, string>[] = parse(await readFile(path), {
    columns: true,
    bom: true,
    skip_empty_lines: true,
    // Exported datasets are sometimes cut off mid-record (the tickets sample ends inside a quoted
    // body); drop and count broken records instead of refusing the whole file.
    skip_records_with_error: true,
    on_skip: () => {
      damaged++;
    },
  });
  if (damaged > 0) console.error(`${path}: skipped ${damaged} malformed CSV records`);
  const header = records[0] ? Object.keys(records[0]) : [];
  for (const column of [...textColumns, ...labelColumns]) {
    if (records.length > 0 && !header.includes(column)) {
      throw new Error(`${path} has no column "${column}" (columns: ${header.join(', ')})`);
    }
  }
  const rows = records.map((record): LabelledRow => {
    const labels: Record<string, string> = {};
    for (const column of labelColumns) {
      const value = (record[column] ?? '').trim();
      if (value !== '') labels[column] = value;
    }
    const text = textColumns
      .map((column) => record[column] ?? '')
      .filter((part) => part !== '')
      .join('\n');
    return { text, labels };
  });
  return { rows, header };
}

/**
 * Labelled examples of one label column; rows without a label are skipped and counted on stderr.
 */
export async function readExamples(
  path: string,
  textColumns: string[],
  labelColumn: string,
): Promise<LabelledText[]> {
  const { rows } = await readLabelledRows(path, textColumns, [labelColumn]);
  const examples: LabelledText[] = [];
  for (const row of rows) {
    const label = row.labels[labelColumn];
    if (label !== undefined) examples.push({ text: row.text, label });
  }
  const unlabelled = rows.length - examples.length;
  if (unlabelled > 0) console.error(`${path}: skipped ${unlabelled} rows without a label`);
  return examples;
}
