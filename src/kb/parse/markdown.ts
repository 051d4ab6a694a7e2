import MarkdownIt, { type Token } from 'markdown-it';
import { parseDocument } from 'yaml';
import type { Block } from './blocks.js';
import { parseHtml } from './html.js';

export interface FrontMatter {
  title?: string;
  tags?: string[];
  language?: string;
  url?: string;
  product?: string;
}

export interface MarkdownDocument {
  frontMatter: FrontMatter;
  blocks: Block[];
}

// markdown-it's default preset is CommonMark plus GFM tables and strikethrough. Raw HTML is
// recognised (so `<div>` blocks are read as HTML and `a < b` stays text); bare URLs need no
// linkifying, they are text already. It stays linear on this service's hostile corpus (see
// endLazyQuotes for the one case it needs help with); micromark and marked did not (`[` × 300k
// took 25 s in micromark, `**a ` × 25k did not finish in marked).
const md = new MarkdownIt('default', { html: true, linkify: false, typographer: false });
// Nothing is rendered: every destination may form a link, and only http(s) and mailto addresses
// are shown as text (a `javascript:` link is its text alone, not its Markdown source).
md.validateLink = () => true;

const SHOWN_ADDRESS = /^(https?:|mailto:)/i;
const TASK_BOX = /^\[[ xX]\] /;
const QUOTE_LINE = /^ {0,3}>/;

/**
 * Reads a Markdown article with a CommonMark + GFM parser and reduces it to the blocks chunking
 * works with: headings (ATX and setext) start sections, paragraphs and list items are prose,
 * fenced and indented code are `code` blocks, table rows are one block each, raw HTML blocks go
 * through the HTML reader, and thematic breaks and link reference definitions are not text.
 * Inline: emphasis and strikethrough are unwrapped, entities and backslash escapes decoded,
 * `code` kept in backticks and a link's http(s)/mailto address kept after its text when the text
 * does not already show it (the HTML reader's rules). A YAML front-matter block (`---` … `---`
 * at the very top) is read with the `yaml` package.
 *
 * Bound: linear; 1 MB of hostile Markdown parses in well under a second of CPU
 * (test/hostile/markdown.test.ts). The token stream is flat, so deep nesting cannot overflow
 * the stack.
 */
export function readMarkdown(markdown: string): MarkdownDocument {
  const { yaml, body } = splitFrontMatter(markdown);
  return {
    frontMatter: yaml === null ? {} : readYaml(yaml),
    blocks: tokenBlocks(md.parse(endLazyQuotes(body), {})),
  };
}

/**
 * markdown-it is quadratic on lazy block-quote continuation (`x` / `> - ` repeated: 40 KB took
 * seconds). A line that would lazily continue a quote starts a new paragraph instead: its text
 * is kept, only its grouping with the quote changes. One linear pass over the lines.
 */
function endLazyQuotes(text: string): string {
  const lines = text.split('\n');
  const out: string[] = [];
  let quoted = false;
  for (const line of lines) {
    const isQuote = QUOTE_LINE.test(line);
    if (quoted && !isQuote && line.trim() !== '') out.push('');
    out.push(line);
    quoted = isQuote;
  }
  return out.join('\n');
}

/** The blocks of a Markdown article; front matter is not text (see {@link readMarkdown}). */
export function parseMarkdown(markdown: string): Block[] {
  return readMarkdown(markdown).blocks;
}

/**
 * Front matter: a first line `---`, YAML, then a line `---` (or `...`). Without the closing
 * line there is no front matter and the whole text is Markdown.
 */
function splitFrontMatter(markdown: string): { yaml: string | null; body: string } {
  const text = markdown.startsWith('\uFEFF') ? markdown.slice(1) : markdown;
  const open = /^---[ \t]*\r?\n/.exec(text);
  if (!open) return { yaml: null, body: text };
  const close = /^(?:---|\.\.\.)[ \t]*(?:\r?\n|$)/gm;
  close.lastIndex = open[0].length;
  const end = close.exec(text);
  if (!end) return { yaml: null, body: text };
  return {
    yaml: text.slice(open[0].length, end.index),
    body: text.slice(end.index + end[0].length),
  };
}

function readYaml(source: string): FrontMatter {
  const document = parseDocument(source, { prettyErrors: false });
  if (document.errors.length > 0) return {};
  const value: unknown = document.toJS({ maxAliasCount: 100 });
  if (!value || typeof value !== 'object' || Array.isArray(value)) return {};
  const result: FrontMatter = {};
  for (const [rawKey, raw] of Object.entries(value)) {
    const key = rawKey.toLowerCase();
    if (key === 'tags') {
      const tags = Array.isArray(raw)
        ? raw.map(scalar)
        : (scalar(raw)?.split(',') ?? []).map((tag) => tag.trim());
      result.tags = tags.filter((tag): tag is string => Boolean(tag));
      continue;
    }
    const text = scalar(raw);
    if (text === undefined) continue;
    if (key === 'title') result.title = text;
    else if (key === 'language' || key === 'lang' || key === 'locale') result.language = text;
    else if (key === 'url') result.url = text;
    else if (key === 'product') result.product = text;
  }
  return result;
}

function scalar(value: unknown): string | undefined {
  if (typeof value === 'string') return value.trim() || undefined;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

/** Prose: every run of whitespace (soft line breaks included) is one space. */
function prose(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/** The visible text of an inline token's children. */
function inlineText(inline: Token | undefined): string {
  if (!inline?.children) return '';
  let out = '';
  const links: { href: string | null; start: number }[] = [];
  // An image's alt text is itself inline tokens; a stack keeps the walk flat.
  const stack = [...inline.children].reverse();
  while (stack.length > 0) {
    const token = stack.pop()!;
    switch (token.type) {
      case 'text':
        out += token.content;
        break;
      case 'code_inline':
        out += `\`${token.content}\``;
        break;
      case 'softbreak':
      case 'hardbreak':
      // Inline tags (`<kbd>`, `<br>`, comments) carry no text of their own.
      case 'html_inline':
        out += ' ';
        break;
      case 'image':
        for (let i = (token.children?.length ?? 0) - 1; i >= 0; i--)
          stack.push(token.children![i]!);
        break;
      case 'link_open': {
        const href = String(token.attrGet('href') ?? '');
        links.push({ href: SHOWN_ADDRESS.test(href) ? href : null, start: out.length });
        break;
      }
      case 'link_close': {
        const link = links.pop();
        if (!link?.href) break;
        const shown = md.normalizeLinkText(link.href).replace(/^mailto:/i, '');
        const text = out.slice(link.start);
        if (!text.includes(shown)) out += ` (${shown})`;
        break;
      }
      default:
        // em/strong/s open and close: the text inside is what matters.
        break;
    }
  }
  return prose(out);
}

function tokenBlocks(tokens: Token[]): Block[] {
  const blocks: Block[] = [];
  // A list item's own paragraphs become one `list-item` block, emitted before whatever nested
  // list, code or table the item holds.
  const items: string[][] = [];
  let row: string[] | null = null;
  const flushItem = () => {
    const item = items[items.length - 1];
    if (!item || item.length === 0) return;
    blocks.push({ kind: 'list-item', text: item.join(' ') });
    item.length = 0;
  };

  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    switch (token.type) {
      case 'heading_open': {
        flushItem();
        const text = inlineText(tokens[i + 1]);
        if (text) blocks.push({ kind: 'heading', level: Number(token.tag.slice(1)), text });
        i += 2;
        break;
      }
      case 'inline': {
        const text = inlineText(token);
        if (!text) break;
        const item = items[items.length - 1];
        if (row) row.push(text);
        // A GFM task item's box is not text.
        else if (item) item.push(item.length === 0 ? text.replace(TASK_BOX, '') : text);
        else blocks.push({ kind: 'paragraph', text });
        break;
      }
      case 'list_item_open':
        flushItem();
        items.push([]);
        break;
      case 'list_item_close':
        flushItem();
        items.pop();
        break;
      case 'bullet_list_open':
      case 'ordered_list_open':
      case 'blockquote_open':
        flushItem();
        break;
      case 'code_block':
      case 'fence': {
        flushItem();
        const text = token.content.trim();
        if (text) blocks.push({ kind: 'code', text });
        break;
      }
      case 'html_block':
        // A raw HTML block is read as HTML: its text, rows and code survive, scripts do not.
        flushItem();
        for (const block of parseHtml(token.content).blocks) blocks.push(block);
        break;
      case 'tr_open':
        flushItem();
        row = [];
        break;
      case 'tr_close':
        if (row && row.length > 0) blocks.push({ kind: 'table-row', text: row.join(' | ') });
        row = null;
        break;
      // Not text: `---` rules (`hr`); reference definitions produce no tokens at all.
      default:
        break;
    }
  }
  return blocks;
}
