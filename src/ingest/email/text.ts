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

// html-to-text walks the DOM recursively; pathological nesting and multi-megabyte marketing mail
// are bounded so one message cannot pin the event loop.
const MAX_HTML_CHARS = 2_000_000;
const MAX_HTML_DEPTH = 500;

export function htmlToPlainText(html: string): string {
  const input = html.length > MAX_HTML_CHARS ? html.slice(0, MAX_HTML_CHARS) : html;
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
    return input
      .replace(/<[^<>]*>/g, ' ')
      .replace(/[ \t]+/g, ' ')
      .trim();
  }
}
