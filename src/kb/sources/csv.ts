import { parse } from 'csv-parse/sync';
import type { ArticleInput } from '../types.js';
import { ArticleParseError, HTML_HINT } from './jsonl.js';

/**
 * A spreadsheet of articles: a header row with `title` and `body` (also `Title`/`Body`, or `content`
 * / `text` for the body), and optional `id` and `url`. Without an `id` a row's id is the file name
 * and its row number, so re-importing the same file updates rather than duplicates. A row without
 * a title or body fails the whole file, naming its line, like a bad JSONL line.
 */
export function parseArticlesCsv(text: string, name = 'input.csv'): ArticleInput[] {
  let rows: Record<string, string>[];
  try {
    rows = parse(text, { columns: true, skip_empty_lines: true, bom: true, trim: true });
  } catch (err) {
    throw new ArticleParseError(name, `not a readable CSV (${(err as Error).message})`);
  }
  return rows.map((row, i) => {
    const title = row.title ?? row.Title;
    const body = row.body ?? row.Body ?? row.content ?? row.text;
    if (!title || body === undefined) {
      throw new ArticleParseError(`${name}:${i + 2}`, 'needs the columns title and body');
    }
    return {
      externalId: row.id || `${name}:${i + 1}`,
      title,
      body,
      format: HTML_HINT.test(body) ? 'html' : 'markdown',
      url: row.url || null,
      tags: [],
    };
  });
}
