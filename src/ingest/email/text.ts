import { convert } from 'html-to-text';

// Postgres rejects NUL in text columns and lone surrogates become invalid UTF-8 on the wire, and
// both occur in real mail (broken charsets, binary pasted into bodies), so every string we hand on
// goes through here.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

export function cleanString(value: string): string {
  return value.replaceAll('\u0000', '').replace(LONE_SURROGATE, '\uFFFD');
}

export function normalizeNewlines(value: string): string {
  return value.replace(/\r\n?/g, '\n');
}

/** Body text as we store it: clean, `\n` line endings. */
export function cleanBody(value: string): string {
  return normalizeNewlines(cleanString(value));
}

// html-to-text walks the DOM recursively and its parser is quadratic in nesting depth (100k
// nested <div>s take over half a minute), so size and depth are checked before it runs and
// pathological markup gets the crude tag strip instead. Browsers flatten nesting past 512.
const MAX_HTML_CHARS = 1_000_000;
const MAX_HTML_DEPTH = 500;

// Elements that never open a level: void ones and those whose end tag is usually implied.
const FLAT_ELEMENTS = new Set(
  'area base br col embed hr img input link meta param source track wbr p li dt dd tr td th option optgroup thead tbody tfoot colgroup rb rt rp'.split(
    ' ',
  ),
);

/** Estimates element nesting with a linear scan of tags, without building a DOM. */
export function htmlNestingExceeds(html: string, maxDepth: number): boolean {
  let depth = 0;
  let index = html.indexOf('<');
  while (index >= 0) {
    const closing = html.charCodeAt(index + 1) === 0x2f;
    const match = /^[A-Za-z][A-Za-z0-9-]*/.exec(html.slice(index + (closing ? 2 : 1), index + 40));
    const end = html.indexOf('>', index + 1);
    if (end < 0) break;
    if (match) {
      const name = match[0].toLowerCase();
      const selfClosing = html.charCodeAt(end - 1) === 0x2f;
      if (!FLAT_ELEMENTS.has(name) && !selfClosing) {
        depth = closing ? Math.max(0, depth - 1) : depth + 1;
        if (depth > maxDepth) return true;
      }
    }
    index = html.indexOf('<', end + 1);
  }
  return false;
}

function stripTags(html: string): string {
  return html
    .replace(/<[^<>]*>/g, ' ')
    .replace(/[ \t]+/g, ' ')
    .trim();
}

export function htmlToPlainText(html: string): string {
  const input = html.length > MAX_HTML_CHARS ? html.slice(0, MAX_HTML_CHARS) : html;
  if (htmlNestingExceeds(input, MAX_HTML_DEPTH)) return stripTags(input);
  try {
    return convert(input, {
      wordwrap: false,
      limits: { maxDepth: MAX_HTML_DEPTH, maxInputLength: MAX_HTML_CHARS },
      selectors: [
        { selector: 'img', format: 'skip' },
        { selector: 'a', options: { hideLinkHrefIfSameAsText: true } },
      ],
    }).trim();
  } catch {
    // Losing markup beats losing the customer's words.
    return stripTags(input);
  }
}
