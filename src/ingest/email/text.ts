import { convert } from 'html-to-text';
import { capHtmlNesting } from '../../kb/parse/html-depth.js';

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

// html-to-text's parser (htmlparser2) costs as much per tag as the nesting is deep (1 MB of
// nested <div>s took over 20 s) and it walks the DOM recursively, so nesting is flattened past
// MAX_HTML_DEPTH first (the text of deeper elements stays, see capHtmlNesting); html-to-text's
// own depth limit, which drops what is deeper, is then never reached. 32, not the KB reader's
// 256: html-to-text indents every nested list and quote level, so its output grows with depth
// times text (1 MB of nested lists: 1.7 MB of text at 16 levels, 10 MB at 128, 20 s at 256).
const MAX_HTML_CHARS = 1_000_000;
const MAX_HTML_DEPTH = 32;

function stripTags(html: string): string {
  return html
    .replace(/<[^<>]*>/g, ' ')
    .replace(/[ \t]+/g, ' ')
    .trim();
}

export function htmlToPlainText(html: string): string {
  const input = capHtmlNesting(
    html.length > MAX_HTML_CHARS ? html.slice(0, MAX_HTML_CHARS) : html,
    MAX_HTML_DEPTH,
  );
  try {
    return convert(input, {
      wordwrap: false,
      // Above the flattened depth (raw-text elements may add one level).
      limits: { maxDepth: 2 * MAX_HTML_DEPTH, maxInputLength: MAX_HTML_CHARS },
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
