import { type Block, collapseWhitespace } from './blocks.js';

const ATX_HEADING = /^ {0,3}(#{1,6})\s+(.*?)(?:\s+#+\s*)?$/;
const SETEXT_UNDERLINE = /^ {0,3}(=+|-+)\s*$/;
const LIST_ITEM = /^ {0,3}(?:[-*+]|\d{1,9}[.)])\s+(.*)$/;
const FENCE = /^ {0,3}(```|~~~)/;
const TABLE_SEPARATOR = /^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$/;

/**
 * Strips inline Markdown that carries no meaning for search: emphasis, links, images, HTML.
 *
 * Every pattern stops at the next character that could open another construct (`[`, `<`, `*`,
 * `_`, a backtick), so each scan ends where the next attempt starts and the work stays linear:
 * the earlier forms (`[^\]]+`, `.+?` up to a closing marker) rescanned to the end of the text from
 * every opening bracket, quadratic on `[[[[…` or `<<<<…` (a 300 KB article took ≈ 30 s).
 */
export function stripInlineMarkdown(text: string): string {
  return collapseWhitespace(
    text
      .replace(/!\[([^[\]]*)\]\([^()]*\)/g, '$1')
      .replace(/\[([^[\]]+)\]\([^()]*\)/g, '$1')
      .replace(/<[^<>]+>/g, ' ')
      .replace(/(\*\*|__)([^*_]+)\1/g, '$2')
      .replace(/(^|\W)[*_]([^*_\s](?:[^*_]*[^*_\s])?)[*_](?=\W|$)/g, '$1$2')
      .replace(/`([^`]+)`/g, '$1'),
  );
}

/**
 * A small block-level Markdown reader: ATX and setext headings, paragraphs, list items (with
 * their continuation lines), fenced code and pipe tables. Inline formatting is stripped. Front
 * matter (`---` … `---` at the top) is skipped; callers read the title from it separately.
 */
export function parseMarkdown(markdown: string): Block[] {
  const lines = stripFrontMatter(markdown).replace(/\r\n?/g, '\n').split('\n');
  const blocks: Block[] = [];
  let paragraph: string[] = [];
  let item: string[] | null = null;

  const flush = () => {
    if (paragraph.length > 0) {
      const text = stripInlineMarkdown(paragraph.join(' '));
      if (text) blocks.push({ kind: 'paragraph', text });
      paragraph = [];
    }
    if (item) {
      const text = stripInlineMarkdown(item.join(' '));
      if (text) blocks.push({ kind: 'list-item', text });
      item = null;
    }
  };

  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const fence = FENCE.exec(line);
    if (fence) {
      flush();
      const code: string[] = [];
      for (i++; i < lines.length && !lines[i]!.trimStart().startsWith(fence[1]!); i++) {
        code.push(lines[i]!);
      }
      const text = code.join('\n').trim();
      if (text) blocks.push({ kind: 'code', text });
      continue;
    }
    const atx = ATX_HEADING.exec(line);
    if (atx) {
      flush();
      const text = stripInlineMarkdown(atx[2] ?? '');
      if (text) blocks.push({ kind: 'heading', level: atx[1]!.length, text });
      continue;
    }
    const next = lines[i + 1];
    if (
      paragraph.length === 0 &&
      !item &&
      line.trim() &&
      next !== undefined &&
      SETEXT_UNDERLINE.exec(next) &&
      !LIST_ITEM.test(line)
    ) {
      flush();
      blocks.push({
        kind: 'heading',
        level: next.trim().startsWith('=') ? 1 : 2,
        text: stripInlineMarkdown(line),
      });
      i++;
      continue;
    }
    if (!line.trim()) {
      flush();
      continue;
    }
    const listItem = LIST_ITEM.exec(line);
    if (listItem) {
      flush();
      item = [listItem[1] ?? ''];
      continue;
    }
    if (line.trimStart().startsWith('|')) {
      flush();
      if (TABLE_SEPARATOR.test(line)) continue;
      const cells = line
        .trim()
        .replace(/^\||\|$/g, '')
        .split('|')
        .map((cell) => stripInlineMarkdown(cell))
        .filter(Boolean);
      if (cells.length > 0) blocks.push({ kind: 'table-row', text: cells.join(' | ') });
      continue;
    }
    if (item && /^\s+/.test(line)) {
      item.push(line.trim());
      continue;
    }
    if (item) flush();
    paragraph.push(line.trim().replace(/^>\s?/, ''));
  }
  flush();
  return blocks;
}

export interface FrontMatter {
  title?: string;
  tags?: string[];
  language?: string;
  url?: string;
  product?: string;
}

/** Reads the few front-matter keys the importer understands (flat `key: value` lines only). */
export function readFrontMatter(markdown: string): FrontMatter {
  const match = /^---\r?\n([\s\S]*?)\r?\n---\r?\n/.exec(markdown);
  if (!match) return {};
  const result: FrontMatter = {};
  for (const line of match[1]!.split(/\r?\n/)) {
    const pair = /^(\w+):\s*(.*)$/.exec(line);
    if (!pair) continue;
    const key = pair[1]!.toLowerCase();
    const value = pair[2]!.trim().replace(/^["']|["']$/g, '');
    if (key === 'title') result.title = value;
    else if (key === 'language' || key === 'lang' || key === 'locale') result.language = value;
    else if (key === 'url') result.url = value;
    else if (key === 'product') result.product = value;
    else if (key === 'tags') {
      result.tags = value
        .replace(/^\[|\]$/g, '')
        .split(',')
        .map((tag) => tag.trim().replace(/^["']|["']$/g, ''))
        .filter(Boolean);
    }
  }
  return result;
}

function stripFrontMatter(markdown: string): string {
  return markdown.replace(/^---\r?\n[\s\S]*?\r?\n---\r?\n/, '');
}
