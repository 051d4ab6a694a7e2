import { Parser } from 'htmlparser2';
import { type Block, collapseWhitespace } from './blocks.js';
import { capHtmlNesting } from './html-depth.js';

const SKIP = new Set(['script', 'style', 'noscript', 'template', 'svg', 'nav']);
const BLOCK_BREAK = new Set([
  'p',
  'div',
  'section',
  'article',
  'blockquote',
  'br',
  'hr',
  'dd',
  'dt',
  'figcaption',
  'header',
  'footer',
  'main',
  'aside',
]);

/** Nesting deeper than this is flattened before parsing (see capHtmlNesting); text is kept. */
const MAX_DEPTH = 256;

/**
 * Reduces an HTML article (a Help Center body, a saved page) to blocks: h1–h6 become headings,
 * li items, tr rows, pre code; everything else flows into paragraphs broken at block elements.
 * Returns the document `<title>` too, for files that carry no other title.
 */
export function parseHtml(html: string): { blocks: Block[]; title?: string } {
  const blocks: Block[] = [];
  let buffer = '';
  let skipDepth = 0;
  let heading: number | null = null;
  let listDepth = 0;
  let inPre = 0;
  let inTitle = false;
  let title = '';
  let rowCells: string[] | null = null;
  let cell: string | null = null;
  // Inline markup that carries meaning survives as text a draft can quote: `code`, and a link's
  // address after its text when the text does not already show it.
  const links: { href: string | null; start: number }[] = [];
  const append = (text: string) => {
    if (cell !== null) cell += text;
    else buffer += text;
  };
  const current = () => (cell !== null ? cell : buffer);

  const emit = (kind: 'paragraph' | 'list-item' | 'code') => {
    const text = kind === 'code' ? buffer.trim() : collapseWhitespace(buffer);
    buffer = '';
    if (!text) return;
    blocks.push({ kind, text });
  };
  const flushParagraph = () => emit(listDepth > 0 ? 'list-item' : 'paragraph');

  const parser = new Parser(
    {
      onopentag(name, attributes) {
        if (SKIP.has(name) || skipDepth > 0) {
          if (SKIP.has(name)) skipDepth++;
          return;
        }
        if (name === 'title') inTitle = true;
        if (name === 'code' && inPre === 0) append('`');
        if (name === 'a') {
          const href = attributes.href?.trim() ?? '';
          links.push({
            href: /^(https?:|mailto:)/i.test(href) ? href : null,
            start: current().length,
          });
        }
        const level = /^h([1-6])$/.exec(name);
        if (level) {
          flushParagraph();
          heading = Number(level[1]);
        } else if (name === 'li') {
          flushParagraph();
          listDepth++;
        } else if (name === 'ul' || name === 'ol') {
          flushParagraph();
        } else if (name === 'pre') {
          flushParagraph();
          inPre++;
        } else if (name === 'tr') {
          flushParagraph();
          rowCells = [];
        } else if ((name === 'td' || name === 'th') && rowCells) {
          cell = '';
        } else if (BLOCK_BREAK.has(name)) {
          if (listDepth > 0) buffer += ' ';
          else flushParagraph();
        }
      },
      ontext(text) {
        if (skipDepth > 0) return;
        if (inTitle) {
          title += text;
          return;
        }
        append(text);
      },
      onclosetag(name) {
        if (SKIP.has(name)) {
          skipDepth = Math.max(0, skipDepth - 1);
          return;
        }
        if (skipDepth > 0) return;
        if (name === 'title') inTitle = false;
        if (name === 'code' && inPre === 0) append('`');
        if (name === 'a') {
          const link = links.pop();
          const text = current().slice(link?.start ?? 0);
          const shown = link?.href?.replace(/^mailto:/i, '');
          if (link?.href && shown && !text.includes(shown)) append(` (${shown})`);
        }
        if (/^h[1-6]$/.test(name) && heading !== null) {
          const text = collapseWhitespace(buffer);
          buffer = '';
          if (text) blocks.push({ kind: 'heading', level: heading, text });
          heading = null;
        } else if (name === 'li') {
          emit('list-item');
          listDepth = Math.max(0, listDepth - 1);
        } else if (name === 'pre') {
          emit('code');
          inPre = Math.max(0, inPre - 1);
        } else if ((name === 'td' || name === 'th') && rowCells && cell !== null) {
          const text = collapseWhitespace(cell);
          if (text) rowCells.push(text);
          cell = null;
        } else if (name === 'tr' && rowCells) {
          if (rowCells.length > 0) blocks.push({ kind: 'table-row', text: rowCells.join(' | ') });
          rowCells = null;
        } else if (BLOCK_BREAK.has(name) && listDepth === 0 && inPre === 0) {
          flushParagraph();
        }
      },
    },
    { decodeEntities: true, lowerCaseTags: true },
  );
  parser.write(capHtmlNesting(html, MAX_DEPTH));
  parser.end();
  flushParagraph();
  const cleanTitle = collapseWhitespace(title);
  return cleanTitle ? { blocks, title: cleanTitle } : { blocks };
}
