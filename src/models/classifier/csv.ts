import { readFile } from 'node:fs/promises';
import { parse } from 'csv-parse/sync';
import type { LabelledText } from './train.js';

/**
 * Reads labelled examples from a CSV with a header row (quoted multi-line fields allowed).
 * Several text columns are joined with a newline; rows without a label are skipped and counted
 * on stderr. Shared by `eval:classify` and `cli classifier train --csv`.
 */
export async function readExamples(
  path: string,
  textColumns: string[],
  labelColumn: string,
): Promise<LabelledText[]> {
  let damaged = 0;
  const rows: Record<string, string>[] = parse(await readFile(path), {
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
  const header = rows[0] ? Object.keys(rows[0]) : [];
  for (const column of [...textColumns, labelColumn]) {
    if (rows.length > 0 && !header.includes(column)) {
      throw new Error(`${path} has no column "${column}" (columns: ${header.join(', ')})`);
    }
  }
  const examples: LabelledText[] = [];
  let unlabelled = 0;
  for (const row of rows) {
    const label = (row[labelColumn] ?? '').trim();
    if (label === '') {
      unlabelled++;
      continue;
    }
    const text = textColumns
      .map((column) => row[column] ?? '')
      .filter((part) => part !== '')
      .join('\n');
    examples.push({ text, label });
  }
  if (unlabelled > 0) console.error(`${path}: skipped ${unlabelled} rows without a label`);
  return examples;
}
