import { describe, expect, it } from 'vitest';
import { chunkArticle } from '../../src/kb/article.js';
import { chunkBlocks } from '../../src/kb/chunk.js';
import { parseHtml } from '../../src/kb/parse/html.js';
import { parseMarkdown } from '../../src/kb/parse/markdown.js';
import { parseText } from '../../src/kb/parse/text.js';

const words = (n: number, word = 'word') =>
  Array.from({ length: n }, (_, i) => `${word}${i}`).join(' ');
const count = (text: string) => text.split(/\s+/).filter(Boolean).length;

describe('parsing', () => {
  it('reads Markdown headings, paragraphs, lists, code and tables; links keep their address, code its backticks', () => {
    const blocks = parseMarkdown(
      [
        '---',
        'title: Ignored here',
        '---',
        '# Refunds',
        '',
        'You can get a **refund** within [30 days](https://x.test).',
        '',
        '## How to ask',
        '1. Open *Orders*',
        '2. Click `Refund`',
        '   and confirm',
        '',
        '| Plan | Days |',
        '|------|------|',
        '| Pro  | 60   |',
        '',
        '```',
        'curl -X POST /refunds',
        '```',
      ].join('\n'),
    );
    expect(blocks).toEqual([
      { kind: 'heading', level: 1, text: 'Refunds' },
      { kind: 'paragraph', text: 'You can get a refund within 30 days (https://x.test).' },
      { kind: 'heading', level: 2, text: 'How to ask' },
      { kind: 'list-item', text: 'Open Orders' },
      { kind: 'list-item', text: 'Click `Refund` and confirm' },
      { kind: 'table-row', text: 'Plan | Days' },
      { kind: 'table-row', text: 'Pro | 60' },
      { kind: 'code', text: 'curl -X POST /refunds' },
    ]);
  });

  it('reads HTML structure and drops scripts, styles and navigation', () => {
    const { blocks, title } = parseHtml(
      '<html><head><title>Help</title><style>p{}</style></head><body><nav>Home</nav>' +
        '<h1>Reset your password</h1><p>Go to <b>Settings</b>.</p><script>x()</script>' +
        '<h2>If you lost access</h2><ul><li>Use the <a href="#">recovery link</a></li>' +
        '<li>Contact us</li></ul><table><tr><th>Plan</th><td>Pro</td></tr></table></body></html>',
    );
    expect(title).toBe('Help');
    expect(blocks).toEqual([
      { kind: 'heading', level: 1, text: 'Reset your password' },
      { kind: 'paragraph', text: 'Go to Settings.' },
      { kind: 'heading', level: 2, text: 'If you lost access' },
      { kind: 'list-item', text: 'Use the recovery link' },
      { kind: 'list-item', text: 'Contact us' },
      { kind: 'table-row', text: 'Plan | Pro' },
    ]);
  });

  it('keeps article HTML inline code and links as text a draft can quote (#20)', () => {
    expect(
      parseHtml(
        '<p>Send it in the <code>Authorization</code> header. See <a href="https://docs.example.com/api">the API reference</a>. Mail <a href="mailto:help@example.com">us</a>.</p>',
      ).blocks,
    ).toEqual([
      {
        kind: 'paragraph',
        text: 'Send it in the `Authorization` header. See the API reference (https://docs.example.com/api). Mail us (help@example.com).',
      },
    ]);
  });

  it('reads plain text paragraphs, list lines and short heading lines', () => {
    expect(
      parseText('Shipping times\n\nWe ship in 2 days.\nUsually.\n\n- by post\n- by courier'),
    ).toEqual([
      { kind: 'heading', level: 2, text: 'Shipping times' },
      { kind: 'paragraph', text: 'We ship in 2 days. Usually.' },
      { kind: 'list-item', text: 'by post' },
      { kind: 'list-item', text: 'by courier' },
    ]);
  });
});

describe('chunking', () => {
  it('starts a chunk at every heading and names it by the heading path', () => {
    const chunks = chunkBlocks(
      parseMarkdown(
        'Intro text.\n\n# Billing\n\n## Invoices\n\nGet invoices.\n\n## Refunds\n\nAsk us.',
      ),
    );
    expect(chunks.map((c) => [c.section, c.text])).toEqual([
      ['', 'Intro text.'],
      ['Billing › Invoices', 'Get invoices.'],
      ['Billing › Refunds', 'Ask us.'],
    ]);
  });

  it('keeps list items whole and together while they fit', () => {
    const chunks = chunkBlocks(parseMarkdown('# Steps\n\n- one\n- two\n- three'));
    expect(chunks).toHaveLength(1);
    expect(chunks[0]!.text).toBe('- one\n- two\n- three');
  });

  it('bounds chunk size and overlaps consecutive chunks of one section', () => {
    const paragraphs = Array.from({ length: 6 }, (_, i) => words(50, `p${i}w`)).join('\n\n');
    const chunks = chunkBlocks(parseMarkdown(`# Long\n\n${paragraphs}`), {
      maxWords: 120,
      overlapWords: 20,
    });
    expect(chunks.length).toBeGreaterThan(2);
    for (const chunk of chunks) expect(count(chunk.text)).toBeLessThanOrEqual(120 + 21);
    for (let i = 1; i < chunks.length; i++) {
      const tail = chunks[i - 1]!.text.split(/\s+/).slice(-20).join(' ');
      expect(chunks[i]!.text.startsWith(`… ${tail}`)).toBe(true);
    }
    // No paragraph is cut: every paragraph's first and last word land in one chunk.
    for (let p = 0; p < 6; p++) {
      expect(chunks.some((c) => c.text.includes(`p${p}w0 `) && c.text.includes(`p${p}w49`))).toBe(
        true,
      );
    }
  });

  it('splits a single over-long paragraph at sentence ends', () => {
    const sentences = Array.from({ length: 40 }, (_, i) => `Sentence number ${i} has six words.`);
    const chunks = chunkBlocks(parseMarkdown(sentences.join(' ')), { maxWords: 50 });
    expect(chunks.length).toBeGreaterThan(4);
    for (const chunk of chunks) {
      expect(count(chunk.text)).toBeLessThanOrEqual(50);
      expect(chunk.text.endsWith('.')).toBe(true);
    }
  });

  it('drops a leading heading equal to the title and keeps a title-only article findable', () => {
    const chunks = chunkArticle({
      title: 'Refunds',
      body: '# Refunds\n\nWithin 30 days.',
      format: 'markdown',
    });
    expect(chunks).toEqual([{ ordinal: 0, section: '', text: 'Within 30 days.' }]);
    expect(chunkArticle({ title: 'Empty', body: '', format: 'text' })).toEqual([
      { ordinal: 0, section: '', text: 'Empty' },
    ]);
  });

  it('splits Chinese and Japanese articles, which have no spaces, by Intl.Segmenter words', () => {
    const zh = '我们的退款政策是三十天内全额退款。'.repeat(30);
    const ja = '日本語の記事は空白がありません。'.repeat(30);
    for (const text of [zh, ja]) {
      const chunks = chunkBlocks(parseText(text), { maxWords: 40, overlapWords: 5 });
      expect(chunks.length).toBeGreaterThan(3);
      const segmenter = new Intl.Segmenter('en', { granularity: 'word' });
      for (const chunk of chunks) {
        const words = [...segmenter.segment(chunk.text)].filter((s) => s.isWordLike).length;
        expect(words).toBeLessThanOrEqual(40);
        expect(chunk.text.replace(/^… /, '').endsWith('。')).toBe(true);
      }
    }
  });
});
