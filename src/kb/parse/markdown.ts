import MarkdownIt, { type Env, type Token } from 'markdown-it';
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
// topLevelPieces for the one case it needs help with); micromark and marked did not (`[` × 300k
// took 25 s in micromark, `**a ` × 25k did not finish in marked).
const md = new MarkdownIt('default', { html: true, linkify: false, typographer: false });
// Inline text is read by a twin limited to 16 levels of nesting (the default 100 stays for
// quotes and lists): a run of `[` costs markdown-it a look-ahead as deep as the limit at every
// bracket (1 MB of `[` took 1.4 s of CPU at 100). No text is lost past the limit, it stays text.
const inlineMd = new MarkdownIt('default', {
  html: true,
  linkify: false,
  typographer: false,
  maxNesting: 16,
});
// Nothing is rendered: every destination may form a link, and only http(s) and mailto addresses
// are shown as text (a `javascript:` link is its text alone, not its Markdown source).
md.validateLink = () => true;
inlineMd.validateLink = () => true;

const SHOWN_ADDRESS = /^(https?:|mailto:)/i;
const TASK_BOX = /^\[[ xX]\] /;
const QUOTE_LINE = /^ {0,3}>/;
// The characters markdown-it's inline rules start at (escape, code, emphasis, strikethrough,
// link, image, autolink, HTML, entity).
const INLINE_SYNTAX = /[\\`*_~[\]!<&]/;

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
 * Bound: linear; 1 MB of hostile Markdown parses in under a second of CPU (`npm run
 * bench:hostile`; test/hostile/markdown.test.ts compares each shape with an ordinary article).
 * The token stream is walked flat, so deep nesting cannot overflow the stack.
 */
export function readMarkdown(markdown: string): MarkdownDocument {
  const { yaml, body } = splitFrontMatter(markdown);
  return {
    frontMatter: yaml === null ? {} : readYaml(yaml),
    blocks: bodyBlocks(body),
  };
}

/**
 * The body is parsed in pieces of about this many characters, cut only where a new top-level
 * block starts: markdown-it's tokens for 1 MB (up to ~1.5 million objects) then never live at
 * once, so the collector frees each piece young instead of marking and compacting them all.
 */
const PIECE_CHARS = 16_384;

function bodyBlocks(body: string): Block[] {
  const pieces = topLevelPieces(body);
  const env: Env = {};
  // A reference may be defined in a later piece than its use (definitions at the end of an
  // article are common): the block pass alone collects every definition, in document order so
  // the first one of a label wins, before any inline text is read.
  if (pieces.length > 1) {
    for (const piece of pieces) if (piece.includes(']:')) md.block.parse(piece, md, env, []);
  }
  const blocks: Block[] = [];
  for (const piece of pieces) {
    // markdown-it's block pass only: inline content is read by tokenBlocks, a slice at a time.
    const tokens: Token[] = [];
    md.block.parse(piece, md, env, tokens);
    for (const block of tokenBlocks(tokens, env)) blocks.push(block);
  }
  return blocks;
}

/**
 * Inline content is parsed in slices of at most this many characters, cut after a line break or
 * a space where there is one: a paragraph of 1 MB of `**a ` is half a million tokens otherwise,
 * all alive until the paragraph ends. Emphasis or a link crossing a cut (only in paragraphs
 * longer than this) keeps its text and shows its markers.
 */
const INLINE_SLICE_CHARS = 8_192;

function* inlineSlices(content: string): Generator<string> {
  let start = 0;
  while (content.length - start > INLINE_SLICE_CHARS) {
    const limit = start + INLINE_SLICE_CHARS;
    const half = start + INLINE_SLICE_CHARS / 2;
    let end = content.lastIndexOf('\n', limit - 1) + 1;
    if (end <= half) end = content.lastIndexOf(' ', limit - 1) + 1;
    if (end <= half) end = limit;
    // Never between the halves of a surrogate pair.
    const last = content.charCodeAt(end - 1);
    if (last >= 0xd800 && last <= 0xdbff) end--;
    yield content.slice(start, end);
    start = end;
  }
  yield content.slice(start);
}

const BLANK = /^[ \t]*$/;
const ATX_HEADING = /^#{1,6}(?:[ \t]|$)/;
const HTML_START = /^ {0,3}</;
const FENCE_OPEN = /^ {0,3}(`{3,}|~{3,})(.*)$/;
// CommonMark HTML blocks 1–5 run past blank lines until their end marker (markdown-it's table).
const RAW_HTML: [open: RegExp, end: RegExp][] = [
  [/^ {0,3}<(script|pre|style|textarea)(?=(\s|>|$))/i, /<\/(script|pre|style|textarea)>/i],
  [/^ {0,3}<!--/, /-->/],
  [/^ {0,3}<\?/, /\?>/],
  [/^ {0,3}<![A-Z]/, />/],
  [/^ {0,3}<!\[CDATA\[/, /\]\]>/],
];

/**
 * Splits the body where a piece can be parsed on its own: before a line that starts in the first
 * column after a blank line, or before an ATX heading in the first column (unless a line since
 * the last blank one started with `<`: an HTML block may run on to the next blank line). Such a
 * line ends every list, quote, paragraph, table and indented code block, so each piece parses as
 * it would inside the whole, except inside a fenced code block or an HTML block that runs past
 * blank lines (`<pre>`, `<!--` …), which are tracked (an opener indented 1–3 spaces may belong
 * to a list item; it is taken as top level, which only keeps the text together longer). One
 * linear pass over the lines.
 *
 * The same pass ends lazy block-quote continuations: markdown-it is quadratic on them (`x` /
 * `> - ` repeated: 40 KB took seconds), so a line that would lazily continue a quote starts a
 * new paragraph instead; its text is kept, only its grouping with the quote changes.
 */
function topLevelPieces(body: string): string[] {
  // markdown-it's own normalisation (its core rule, not run here): line ends and NUL.
  const lines = body.replace(/\r\n?/g, '\n').replace(/\0/g, '\uFFFD').split('\n');
  const pieces: string[] = [];
  let piece: string[] = [];
  let pieceChars = 0;
  let closes: ((line: string) => boolean) | null = null;
  let afterBlank = false;
  let quoted = false;
  // A line starting with `<` may open an HTML block that runs to the next blank line.
  let htmlMayRun = false;
  const push = (line: string) => {
    piece.push(line);
    pieceChars += line.length + 1;
  };
  for (const line of lines) {
    if (closes) {
      push(line);
      if (closes(line)) closes = null;
      continue;
    }
    if (BLANK.test(line)) {
      push(line);
      afterBlank = true;
      quoted = false;
      htmlMayRun = false;
      continue;
    }
    const isQuote = QUOTE_LINE.test(line);
    if (quoted && !isQuote) {
      push('');
      afterBlank = true;
      htmlMayRun = false;
    }
    quoted = isQuote;
    const first = line.charCodeAt(0);
    const startsBlock = afterBlank || (ATX_HEADING.test(line) && !htmlMayRun);
    if (startsBlock && first !== 32 && first !== 9 && pieceChars >= PIECE_CHARS) {
      pieces.push(piece.join('\n'));
      piece = [];
      pieceChars = 0;
    }
    afterBlank = false;
    if (HTML_START.test(line)) htmlMayRun = true;
    push(line);
    closes = blockCloser(line);
  }
  if (piece.length > 0) pieces.push(piece.join('\n'));
  return pieces;
}

/** For a line that opens a fence or a raw HTML block not closed on it: the test for its end. */
function blockCloser(line: string): ((line: string) => boolean) | null {
  let indent = 0;
  while (indent < 3 && line.charCodeAt(indent) === 32) indent++;
  const first = line[indent];
  if (first !== '`' && first !== '~' && first !== '<') return null;
  const fence = FENCE_OPEN.exec(line);
  if (fence) {
    const marker = fence[1]!;
    // A backtick fence's info string has no backtick (else the line is inline code).
    if (marker[0] === '`' && fence[2]!.includes('`')) return null;
    const close = new RegExp(`^ {0,3}${marker[0] === '`' ? '`' : '~'}{${marker.length},}[ \\t]*$`);
    return (next) => close.test(next);
  }
  for (const [open, end] of RAW_HTML) {
    if (open.test(line)) return end.test(line) ? null : (next) => end.test(next);
  }
  return null;
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

/** The visible text of an inline token's content. */
function inlineText(inline: Token | undefined, env: Env): string {
  if (!inline) return '';
  // Nothing inline markdown-it could read (newlines and spaces only collapse): the text as is.
  if (!INLINE_SYNTAX.test(inline.content)) return prose(inline.content);
  let out = '';
  for (const slice of inlineSlices(inline.content)) {
    const children: Token[] = [];
    inlineMd.inline.parse(slice, inlineMd, env, children);
    out += inlineTokensText(children);
  }
  return prose(out);
}

function inlineTokensText(children: Token[]): string {
  let out = '';
  const links: { href: string | null; start: number }[] = [];
  // An image's alt text is itself inline tokens; a stack keeps the walk flat.
  const stack = children.reverse();
  while (stack.length > 0) {
    const token = stack.pop()!;
    switch (token.type) {
      case 'text':
      // Escapes and entities (markdown-it's text_join would have made these `text`).
      case 'text_special':
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
  return out;
}

function tokenBlocks(tokens: Token[], env: Env): Block[] {
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
        const text = inlineText(tokens[i + 1], env);
        if (text) blocks.push({ kind: 'heading', level: Number(token.tag.slice(1)), text });
        i += 2;
        break;
      }
      case 'inline': {
        const text = inlineText(token, env);
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
