import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { ArticleInput } from '../types.js';
import { readArticleFolder } from './folder.js';
import { ArticleParseError, parseArticlesJsonl } from './jsonl.js';
import { isZendeskExport, parseZendeskArticles } from './zendesk.js';

export interface LoadedArticles {
  kind: 'folder' | 'jsonl' | 'zendesk';
  /** Default collection name: the kind and the absolute path, stable across runs. */
  source: string;
  articles: ArticleInput[];
}

/**
 * Reads articles from a path: a folder of Markdown / HTML / text files, a `.jsonl` file, or a
 * Zendesk Help Center export (`.json` with `{articles: [...]}`).
 */
export async function loadArticles(target: string): Promise<LoadedArticles> {
  const absolute = path.resolve(target);
  const info = await stat(absolute);
  if (info.isDirectory()) {
    return {
      kind: 'folder',
      source: `folder:${absolute}`,
      articles: await readArticleFolder(absolute),
    };
  }
  const text = await readFile(absolute, 'utf8');
  const name = path.basename(absolute);
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
    'expected a folder, a .jsonl file or a Help Center .json export',
  );
}
