import type { Block } from './parse/blocks.js';

export interface ChunkOptions {
  /** Upper bound on a chunk's body, in words (Intl.Segmenter words: CJK text counts too). */
  maxWords?: number;
  /** Words repeated from the end of one chunk at the start of the next when a section is split. */
  overlapWords?: number;
}

export interface ArticleChunk {
  ordinal: number;
  /** Heading path, outermost first, joined with " › "; empty for text before the first heading. */
  section: string;
  text: string;
}

export const defaultChunkOptions = { maxWords: 180, overlapWords: 30 } as const;

const SECTION_SEPARATOR = ' › ';

// Words by Intl.Segmenter, not whitespace: Chinese, Japanese and Korean text has no spaces, and
// counted by whitespace an article in those languages was one "word" and never split.
const wordSegmenter = new Intl.Segmenter('en', { granularity: 'word' });

function wordCount(text: string): number {
  let n = 0;
  for (const s of wordSegmenter.segment(text)) if (s.isWordLike) n++;
  return n;
}

/**
 * The text cut into pieces that each hold one word and whatever follows it up to the next word
 * (spaces, punctuation), so `pieces.slice(a, b).join('')` is the original text between words.
 */
function wordPieces(text: string): string[] {
  const pieces: string[] = [];
  let lead = '';
  for (const s of wordSegmenter.segment(text.trim())) {
    if (s.isWordLike) pieces.push(lead + s.segment);
    else if (pieces.length) pieces[pieces.length - 1] += s.segment;
    else lead += s.segment;
    if (s.isWordLike) lead = '';
  }
  return pieces;
}

function render(block: Block): string {
  if (block.kind === 'list-item') return `- ${block.text}`;
  return block.text;
}

/** Splits an over-long block at sentence ends, then at word boundaries, into ≤ maxWords pieces. */
function splitLongText(text: string, maxWords: number, overlapWords: number): string[] {
  const sentences = text.match(/[^.!?。！？\n]+(?:[.!?。！？]+|\n|$)\s*/g) ?? [text];
  const pieces: string[] = [];
  let current: string[] = [];
  const currentWords = () => current.reduce((n, s) => n + wordCount(s), 0);
  for (const sentence of sentences) {
    if (wordCount(sentence) > maxWords) {
      if (current.length) pieces.push(current.join('').trim());
      current = [];
      const words = wordPieces(sentence);
      const step = Math.max(1, maxWords - overlapWords);
      for (let start = 0; start < words.length; start += step) {
        pieces.push(
          words
            .slice(start, start + maxWords)
            .join('')
            .trim(),
        );
        if (start + maxWords >= words.length) break;
      }
      continue;
    }
    if (current.length && currentWords() + wordCount(sentence) > maxWords) {
      pieces.push(current.join('').trim());
      current = [];
    }
    current.push(sentence);
  }
  if (current.length) pieces.push(current.join('').trim());
  return pieces.filter(Boolean);
}

function tailWords(text: string, count: number): string {
  if (count <= 0) return '';
  const words = wordPieces(text);
  return words.length <= count ? '' : words.slice(-count).join('').trim();
}

/**
 * Turns an article's blocks into passages that follow its structure: a heading always starts a
 * new chunk (and names the chunk's section), paragraphs and list items are never cut unless one
 * alone exceeds the bound, and when a section is split the next chunk repeats the last
 * `overlapWords` words so a sentence that straddles the cut is retrievable from either side.
 */
export function chunkBlocks(blocks: Block[], options: ChunkOptions = {}): ArticleChunk[] {
  const maxWords = options.maxWords ?? defaultChunkOptions.maxWords;
  const overlapWords = Math.min(
    options.overlapWords ?? defaultChunkOptions.overlapWords,
    Math.floor(maxWords / 2),
  );
  const chunks: ArticleChunk[] = [];
  const headings: { level: number; text: string }[] = [];
  let parts: string[] = [];
  let words = 0;
  let carried = false;

  const section = () => headings.map((h) => h.text).join(SECTION_SEPARATOR);
  const push = (text: string) => {
    chunks.push({ ordinal: chunks.length, section: section(), text });
  };
  const flush = (withOverlap: boolean) => {
    const text = parts.join('\n').trim();
    // A chunk holding only the overlap carried from its predecessor adds nothing.
    if (text && !(carried && parts.length === 1)) push(text);
    parts = [];
    words = 0;
    carried = false;
    if (withOverlap && text) {
      const tail = tailWords(text, overlapWords);
      if (tail) {
        parts.push(`… ${tail}`);
        words = wordCount(tail);
        carried = true;
      }
    }
  };

  for (const block of blocks) {
    if (block.kind === 'heading') {
      flush(false);
      while (headings.length && headings[headings.length - 1]!.level >= block.level) headings.pop();
      headings.push({ level: block.level, text: block.text });
      continue;
    }
    const text = render(block);
    const size = wordCount(text);
    if (size > maxWords) {
      flush(false);
      for (const piece of splitLongText(text, maxWords, overlapWords)) push(piece);
      continue;
    }
    if (words + size > maxWords && words > 0) flush(true);
    parts.push(text);
    words += size;
  }
  flush(false);
  return chunks;
}
