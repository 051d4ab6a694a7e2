// Drafts are written as plain text; mail clients show the HTML part, so it has to carry the same
// text faithfully: everything escaped, blank lines as paragraphs, single breaks kept, web links
// clickable. Nothing else is interpreted (no markdown), so what the agent approved is what the
// customer reads.

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => HTML_ESCAPES[ch] ?? ch);
}

// http(s) URLs up to whitespace or a character that cannot appear in one unescaped.
const URL_PATTERN = /\bhttps?:\/\/[^\s<>"'`{}|\\^\u00a0\u3000]+/gi;
const TRAILING_PUNCTUATION = /[.,;:!?*_~]+$/;

/** Drops sentence punctuation and an unbalanced closing bracket from the end of a matched URL. */
function trimUrl(url: string): string {
  let trimmed = url;
  for (;;) {
    const before = trimmed;
    trimmed = trimmed.replace(TRAILING_PUNCTUATION, '');
    for (const [open, close] of [
      ['(', ')'],
      ['[', ']'],
    ] as const) {
      if (trimmed.endsWith(close) && count(trimmed, close) > count(trimmed, open)) {
        trimmed = trimmed.slice(0, -1);
      }
    }
    if (trimmed === before) return trimmed;
  }
}

function count(text: string, ch: string): number {
  let n = 0;
  for (const c of text) if (c === ch) n++;
  return n;
}

function linkify(line: string): string {
  let out = '';
  let last = 0;
  for (const match of line.matchAll(URL_PATTERN)) {
    const url = trimUrl(match[0]);
    // A bare scheme ("see https://") is text, not a link.
    if (!/^https?:\/\/[^/?#]+/i.test(url)) continue;
    const start = match.index;
    out += escapeHtml(line.slice(last, start));
    const escaped = escapeHtml(url);
    out += `<a href="${escaped}" rel="noopener noreferrer" target="_blank">${escaped}</a>`;
    last = start + url.length;
  }
  return out + escapeHtml(line.slice(last));
}

/**
 * The HTML alternative for a plain-text reply: escaped, one `<p>` per blank-line-separated
 * paragraph, `<br>` for single line breaks, http(s) URLs as links. `dir="auto"` lets mail clients
 * lay out right-to-left replies correctly.
 */
export function renderHtmlFromText(text: string): string {
  const paragraphs = text
    .replace(/\r\n?/g, '\n')
    .split(/\n[ \t]*\n+/)
    .map((paragraph) => paragraph.replace(/^\n+|\n+$/g, ''))
    .filter((paragraph) => paragraph.trim() !== '');
  const body = paragraphs
    .map((paragraph) => `<p dir="auto">${paragraph.split('\n').map(linkify).join('<br>\n')}</p>`)
    .join('\n');
  return `<div style="font-family:sans-serif;line-height:1.5">\n${body}\n</div>`;
}
