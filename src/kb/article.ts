import { createHash } from 'node:crypto';
import { type ArticleChunk, type ChunkOptions, chunkBlocks } from './chunk.js';
import { normalizeLanguage } from './language.js';
import type { Block } from './parse/blocks.js';
import { parseHtml } from './parse/html.js';
import { parseMarkdown } from './parse/markdown.js';
import { parseText } from './parse/text.js';
import type { ArticleInput } from './types.js';
import { webUrl } from './url.js';

/**
 * Bumped whenever parsing, chunking or lexical analysis changes how an unchanged article is
 * indexed; it is part of the content hash, so every article is re-indexed once after an upgrade.
 */
export const INDEX_VERSION = 3; // 2: ordered-bigram postings; 3: CommonMark Markdown reader

export function articleBlocks(article: Pick<ArticleInput, 'body' | 'format' | 'title'>): Block[] {
  const blocks =
    article.format === 'html'
      ? parseHtml(article.body).blocks
      : article.format === 'markdown'
        ? parseMarkdown(article.body)
        : parseText(article.body);
  // A leading heading that repeats the title would only duplicate it in every section path.
  const first = blocks[0];
  if (first?.kind === 'heading' && sameText(first.text, article.title)) return blocks.slice(1);
  return blocks;
}

export function chunkArticle(
  article: Pick<ArticleInput, 'body' | 'format' | 'title'>,
  options?: ChunkOptions,
): ArticleChunk[] {
  const chunks = chunkBlocks(articleBlocks(article), options);
  // An article with a title and no body text is still findable by its title.
  if (chunks.length === 0) return [{ ordinal: 0, section: '', text: article.title }];
  return chunks;
}

export type NormalizedArticle = Required<ArticleInput> & { language: string };

/** Normalised copy of an input: trimmed, language code, sorted unique tags. */
export function normalizeArticle(input: ArticleInput): NormalizedArticle {
  return {
    externalId: input.externalId.trim(),
    title: input.title.trim(),
    body: input.body,
    format: input.format,
    url: webUrl(input.url),
    tags: [...new Set((input.tags ?? []).map((tag) => tag.trim()).filter(Boolean))].sort(),
    language: normalizeLanguage(input.language),
    product: input.product?.trim() || null,
  };
}

/** Hash of everything that affects the stored article or its index. */
export function articleContentHash(article: NormalizedArticle): string {
  return createHash('sha256')
    .update(
      JSON.stringify([
        INDEX_VERSION,
        article.title,
        article.body,
        article.format,
        article.url,
        article.tags,
        article.language,
        article.product,
      ]),
    )
    .digest('hex');
}

function sameText(a: string, b: string): boolean {
  const norm = (s: string) => s.toLowerCase().replace(/\s+/g, ' ').trim();
  return norm(a) === norm(b);
}
