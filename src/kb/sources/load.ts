import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { ArticleInput } from '../types.js';
import { parseArticlesCsv } from './csv.js';
import { isArticleFile, readArticleFile, readArticleFolder } from './folder.js';
import { ArticleParseError, parseArticlesJsonl } from './jsonl.js';
import { isZendeskExport, parseZendeskArticles } from './zendesk.js';

export interface LoadedArticles {
  kind: 'folder' | 'file' | 'jsonl' | 'csv' | 'zendesk';
  /** Default collection name: the kind and the absolute path, stable across runs. */
  source: string;
  articles: ArticleInput[];
}

/** A path that is not there: a typo to report as such, not a file-system stack. */
export class ArticleSourceMissingError extends Error {
  override readonly name = 'ArticleSourceMissingError';
}

/**
 * Reads articles from a path: a folder of Markdown / HTML / text files, one such file, a `.jsonl`
 * file, a `.csv` (title, body), or a Zendesk Help Center export (`.json` with `{articles: [...]}`):
 * the same formats the first-run page's upload takes.
 */
export async function loadArticles(target: string): Promise<LoadedArticles> {
  const absolute = path.resolve(target);
  const info = await stat(absolute).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT')
      throw new ArticleSourceMissingError(`No such file or folder: ${target}`);
    throw err;
  });
  if (info.isDirectory()) {
    return {
      kind: 'folder',
      source: `folder:${absolute}`,
      articles: await readArticleFolder(absolute),
    };
  }
  const name = path.basename(absolute);
  if (isArticleFile(name)) {
    // One article; its id is its file name, as it would be in a folder holding only it.
    const article = await readArticleFile(path.dirname(absolute), absolute);
    return { kind: 'file', source: `file:${absolute}`, articles: [article] };
  }
  const text = await readFile(absolute, 'utf8');
  if (/\.csv$/i.test(name)) {
    return { kind: 'csv', source: `csv:${absolute}`, articles: parseArticlesCsv(text, name) };
  }
  if (/\.jsonl$|\.ndjson$/i.test(name)) {
    return { kind: 'jsonl', source: `jsonl:${absolute}`, articles: parseArticlesJsonl(text, name) };
  }
  if (/\.json$/i.test(name)) {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (err) {
      throw new ArticleParseError(name, `invalid JSON (${(err as Error).message})`);
    }
    if (isZendeskExport(json)) {
      return {
        kind: 'zendesk',
        source: `zendesk:${absolute}`,
        articles: parseZendeskArticles(json, name),
      };
    }
    throw new ArticleParseError(name, 'not a Help Center export (expected {"articles": [...]})');
  }
  throw new ArticleParseError(
    name,
    'expected a folder, a Markdown / HTML / text file, a .jsonl or .csv file, or a Help Center .json export',
  );
}
