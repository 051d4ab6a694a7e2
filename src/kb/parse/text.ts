import { type Block, collapseWhitespace } from './blocks.js';

const LIST_ITEM = /^\s*(?:[-*•]|\d{1,3}[.)])\s+/;

/**
 * Plain text: blank lines separate paragraphs; lines that look like list items ("- ", "1. ")
 * become items; a short line followed by a blank line and ending without punctuation is treated
 * as a heading, which is how most plain-text help articles mark sections.
 */
export function parseText(text: string): Block[] {
  const blocks: Block[] = [];
  const paragraphs = text.replace(/\r\n?/g, '\n').split(/\n\s*\n/);
  for (const paragraph of paragraphs) {
    const lines = paragraph.split('\n').filter((line) => line.trim());
    if (lines.length === 0) continue;
    if (lines.length === 1 && looksLikeHeading(lines[0]!)) {
      blocks.push({ kind: 'heading', level: 2, text: collapseWhitespace(lines[0]!) });
      continue;
    }
    let current: string[] = [];
    let currentIsItem = false;
    const flush = () => {
      const joined = collapseWhitespace(current.join(' '));
      if (joined) blocks.push({ kind: currentIsItem ? 'list-item' : 'paragraph', text: joined });
      current = [];
    };
    for (const line of lines) {
      if (LIST_ITEM.test(line)) {
        flush();
        current = [line.replace(LIST_ITEM, '')];
        currentIsItem = true;
      } else {
        current.push(line.trim());
      }
    }
    flush();
  }
  return blocks;
}

function looksLikeHeading(line: string): boolean {
  const trimmed = line.trim();
  return (
    trimmed.length > 0 &&
    trimmed.length <= 80 &&
    !/[.!?,;:]$/.test(trimmed) &&
    !LIST_ITEM.test(trimmed) &&
    trimmed.split(/\s+/).length <= 10
  );
}
