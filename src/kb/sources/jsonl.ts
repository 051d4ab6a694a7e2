import { z } from 'zod';
import type { ArticleInput } from '../types.js';

export const HTML_HINT = /<\/?(p|div|h[1-6]|ul|ol|li|br|table|span|a)\b[^>]*>/i;

export const jsonlArticleSchema = z.object({
  id: z.union([z.string().min(1), z.number()]).transform(String),
  title: z.string().min(1),
  body: z.string(),
  url: z.string().nullish(),
  tags: z.array(z.string()).nullish(),
  language: z.string().nullish(),
  product: z.string().nullish(),
  format: z.enum(['markdown', 'html', 'text']).optional(),
});

export class ArticleParseError extends Error {
  constructor(
    readonly location: string,
    message: string,
  ) {
    super(`${location}: ${message}`);
    this.name = 'ArticleParseError';
  }
}

/**
 * One article per line: `{id, title, body, url?, tags?, language?, product?, format?}`. Without a
 * `format`, a body with HTML tags is read as HTML and anything else as Markdown (which reads
 * plain text the same way). Blank lines are skipped; a bad line fails the whole file, naming
 * its line number, so a half-imported knowledge base never happens silently.
 */
export function parseArticlesJsonl(text: string, name = 'input'): ArticleInput[] {
  const articles: ArticleInput[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (!line) continue;
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch (err) {
      throw new ArticleParseError(`${name}:${i + 1}`, `invalid JSON (${(err as Error).message})`);
    }
    const parsed = jsonlArticleSchema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new ArticleParseError(
        `${name}:${i + 1}`,
        `${issue?.path.join('.') || '(line)'}: ${issue?.message ?? 'invalid article'}`,
      );
    }
    const row = parsed.data;
    articles.push({
      externalId: row.id,
      title: row.title,
      body: row.body,
      format: row.format ?? (HTML_HINT.test(row.body) ? 'html' : 'markdown'),
      url: row.url ?? null,
      tags: row.tags ?? [],
      language: row.language ?? null,
      product: row.product ?? null,
    });
  }
  return articles;
}
