import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { KbArticleFormat } from '../../db/schema/kb-articles.js';
import { parseHtml } from '../parse/html.js';
import { readMarkdown } from '../parse/markdown.js';
import type { ArticleInput } from '../types.js';

const FORMATS: Record<string, KbArticleFormat> = {
  '.md': 'markdown',
  '.markdown': 'markdown',
  '.mdx': 'markdown',
  '.html': 'html',
  '.htm': 'html',
  '.txt': 'text',
  '.text': 'text',
};

export function isArticleFile(file: string): boolean {
  return Object.hasOwn(FORMATS, path.extname(file).toLowerCase());
}

/** Recursively lists article files under `dir`, sorted, skipping dot-folders and node_modules. */
export async function listArticleFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries
    .filter((entry) => entry.isFile() && isArticleFile(entry.name))
    .map((entry) => path.join(entry.parentPath, entry.name))
    .filter((file) => {
      const parts = path.relative(dir, file).split(path.sep);
      return !parts.some((part) => part.startsWith('.') || part === 'node_modules');
    })
    .sort();
}

/**
 * Reads one Markdown / HTML / text file. The title comes from front matter, else the first
 * level-1 heading (`# …`, `<h1>`), else `<title>`, else the file name. The external id is the
 * path relative to the imported folder, with forward slashes, so it is stable across machines.
 */
export async function readArticleFile(root: string, file: string): Promise<ArticleInput> {
  const format = FORMATS[path.extname(file).toLowerCase()] ?? 'text';
  const body = await readFile(file, 'utf8');
  const externalId = path.relative(root, file).split(path.sep).join('/');
  const fallbackTitle = humanize(path.basename(file, path.extname(file)));
  if (format === 'markdown') {
    const { frontMatter: meta, blocks } = readMarkdown(body);
    const h1 = blocks.find((block) => block.kind === 'heading' && block.level === 1);
    return {
      externalId,
      title: meta.title ?? h1?.text ?? fallbackTitle,
      body,
      format,
      url: meta.url ?? null,
      tags: meta.tags ?? [],
      language: meta.language ?? null,
      product: meta.product ?? null,
    };
  }
  if (format === 'html') {
    const parsed = parseHtml(body);
    const h1 = parsed.blocks.find((block) => block.kind === 'heading' && block.level === 1);
    const lang = /<html[^>]*\slang=["']?([\w-]+)/i.exec(body)?.[1] ?? null;
    return {
      externalId,
      title: h1?.text ?? parsed.title ?? fallbackTitle,
      body,
      format,
      language: lang,
    };
  }
  // Plain text: a short first line followed by a blank line is the title.
  const [firstLine = '', ...rest] = body.replace(/\r\n?/g, '\n').split('\n');
  const hasTitleLine = firstLine.trim().length > 0 && firstLine.length <= 120 && rest[0] === '';
  return {
    externalId,
    title: hasTitleLine ? firstLine.trim() : fallbackTitle,
    body: hasTitleLine ? rest.join('\n') : body,
    format,
  };
}

export async function readArticleFolder(dir: string): Promise<ArticleInput[]> {
  const root = path.resolve(dir);
  const files = await listArticleFiles(root);
  return Promise.all(files.map((file) => readArticleFile(root, file)));
}

function humanize(name: string): string {
  const words = name.replace(/[-_]+/g, ' ').trim();
  return words ? words[0]!.toUpperCase() + words.slice(1) : name;
}
