import { describe, expect, it } from 'vitest';
import { parseMarkdown, readMarkdown } from '../../../src/kb/parse/markdown.js';

const texts = (markdown: string) => parseMarkdown(markdown).map((b) => `${b.kind}: ${b.text}`);

/** Examples from the CommonMark 0.31.2 and GFM specs (a few adapted), with the text the KB indexes. */
describe('CommonMark and GFM spec examples', () => {
  it.each([
    // Backslash escapes (example 12) and entity references (examples 25, 26).
    ['\\*not emphasized*\n\\<br/> not a tag', ['paragraph: *not emphasized* <br/> not a tag']],
    [
      '&nbsp; &amp; &copy; &AElig; &Dcaron;\n&frac34; &HilbertSpace; &DifferentialD;',
      ['paragraph: & © Æ Ď ¾ ℋ ⅆ'],
    ],
    ['&#35; &#1234; &#992; &#0;', ['paragraph: # Ӓ Ϡ �']],
    // Thematic breaks (examples 43, 59): not text.
    ['***\n---\n___', []],
    ['Foo\n***\nbar', ['paragraph: Foo', 'paragraph: bar']],
    // Setext headings (example 80) and ATX closing sequences (example 71).
    ['Foo *bar*\n=========\n\nFoo *bar*\n---------', ['heading: Foo bar', 'heading: Foo bar']],
    ['## foo ##\n  ###   bar    ###', ['heading: foo', 'heading: bar']],
    // Indented code (example 107) is code, not prose.
    ['    a simple\n      indented code block', ['code: a simple\n  indented code block']],
    // Fenced code (example 119).
    ['```\n<\n >\n```', ['code: <\n >']],
    // HTML blocks: read as HTML, Markdown between them is Markdown; scripts are not text.
    ['<div>\n\n*Emphasized* text.\n\n</div>', ['paragraph: Emphasized text.']],
    ['<script>\nalert(1)\n</script>\nokay', ['paragraph: okay']],
    // Link reference definitions (example 192) are not text; the reference keeps its address.
    ['[foo]: /url "title"\n\n[foo]', ['paragraph: foo']],
    ['[foo]: https://x.example/url "title"\n\n[foo]', ['paragraph: foo (https://x.example/url)']],
    // Emphasis (examples 350, 360, 413).
    ['*foo bar*', ['paragraph: foo bar']],
    ['a * foo bar*', ['paragraph: a * foo bar*']],
    ['***strong emph***', ['paragraph: strong emph']],
    // Code spans (example 328).
    ['`foo`', ['paragraph: `foo`']],
    // Autolinks (examples 594, 602) and an email autolink.
    ['<http://foo.bar.baz>', ['paragraph: http://foo.bar.baz']],
    ['<foo@bar.example.com>', ['paragraph: foo@bar.example.com']],
    // Raw inline HTML (example 613) carries no text; `<` that opens no tag is text.
    ['<a><bab><c2c>', []],
    ['<33> <__>', ['paragraph: <33> <__>']],
    // Hard line break (example 633).
    ['foo  \nbaz', ['paragraph: foo baz']],
    // GFM table (example 198) and strikethrough (example 491).
    [
      '| foo | bar |\n| --- | --- |\n| baz | bim |',
      ['table-row: foo | bar', 'table-row: baz | bim'],
    ],
    ['~~Hi~~ Hello, world!', ['paragraph: Hi Hello, world!']],
  ])('%j', (markdown, expected) => {
    expect(texts(markdown)).toEqual(expected);
  });
});

/** Issue 16 item 1: what the hand-written reader lost or kept wrongly. */
describe('regressions', () => {
  it('keeps text between < and >', () => {
    expect(texts('Retry if size < 10 and count > 3.')).toEqual([
      'paragraph: Retry if size < 10 and count > 3.',
    ]);
  });

  it('keeps <https://…> autolinks and URLs with parentheses', () => {
    expect(
      texts('See <https://x.example/a> and [the page](https://en.wikipedia.org/wiki/Foo_(bar)).'),
    ).toEqual([
      'paragraph: See https://x.example/a and the page (https://en.wikipedia.org/wiki/Foo_(bar)).',
    ]);
  });

  it('decodes entities and removes backslash escapes', () => {
    expect(texts('AT&amp;T &ndash; 5 \\* 3 \\_x\\_')).toEqual(['paragraph: AT&T – 5 * 3 _x_']);
  });

  it('reads indented code as code and drops --- rules', () => {
    expect(texts('Run:\n\n    npm ci\n\n---\n\nDone.')).toEqual([
      'paragraph: Run:',
      'code: npm ci',
      'paragraph: Done.',
    ]);
  });

  it('shows only http(s) and mailto addresses', () => {
    expect(texts('[a](javascript:alert(1)) [b](/rel) [c](mailto:help@x.example)')).toEqual([
      'paragraph: a b c (help@x.example)',
    ]);
  });

  it('reads YAML front matter, block lists included', () => {
    const { frontMatter, blocks } = readMarkdown(
      '---\ntitle: "Refunds: how"\ntags:\n  - billing\n  - refunds\nLang: fr\n---\n# Refunds\n',
    );
    expect(frontMatter).toEqual({
      title: 'Refunds: how',
      tags: ['billing', 'refunds'],
      language: 'fr',
    });
    expect(blocks).toEqual([{ kind: 'heading', level: 1, text: 'Refunds' }]);
    expect(readMarkdown('---\ntags: [a, b]\n---\nx').frontMatter.tags).toEqual(['a', 'b']);
    expect(readMarkdown('---\ntags: a, b\n---\nx').frontMatter.tags).toEqual(['a', 'b']);
    // Invalid YAML is no front matter, not a failed import.
    expect(readMarkdown('---\ntitle: [oops\n---\nx')).toEqual({
      frontMatter: {},
      blocks: [{ kind: 'paragraph', text: 'x' }],
    });
  });

  it('keeps list items, nested lists and task boxes as items', () => {
    expect(texts('- one\n- [x] two\n  - nested\n- three\n\n  more')).toEqual([
      'list-item: one',
      'list-item: two',
      'list-item: nested',
      'list-item: three more',
    ]);
  });
});

/**
 * Issue 19, finding 12: a long article is parsed in pieces cut where a top-level block starts,
 * and long paragraphs in slices. Each case puts the construct after more than one piece of text,
 * where a wrong cut would change what is read.
 */
describe('long articles read as a whole', () => {
  const filler = 'Some words about refunds and the order page.\n\n'.repeat(500);
  const fillerBlocks = texts(filler);
  const afterFiller = (markdown: string) => texts(filler + markdown).slice(fillerBlocks.length);

  it('keeps a fenced block whole across blank lines and first-column lines', () => {
    const code = 'def refund():\n\n    pass\n\nprint("x")\n# not a heading';
    expect(afterFiller(`\`\`\`python\n${code}\n\`\`\`\n\nDone.`)).toEqual([
      `code: ${code}`,
      'paragraph: Done.',
    ]);
  });

  it('keeps <pre> blocks and comments whole across blank lines', () => {
    expect(afterFiller('<pre>\nline one\n\nline two\n</pre>\n\nDone.')).toEqual([
      'code: line one\n\nline two',
      'paragraph: Done.',
    ]);
    expect(afterFiller('<!-- draft\n\nhidden words\n\n-->\n\nDone.')).toEqual(['paragraph: Done.']);
  });

  it('does not read a heading line inside an HTML block as a heading', () => {
    expect(afterFiller('<div>\n# not a heading\n</div>\n\nDone.')).toEqual([
      'paragraph: # not a heading',
      'paragraph: Done.',
    ]);
  });

  it('resolves a reference defined after its use, the first definition winning', () => {
    const markdown = `See [the guide][g].\n\n${filler}[g]: https://a.example/one\n\n${filler}[g]: https://b.example/two\n`;
    expect(texts(markdown)[0]).toBe('paragraph: See the guide (https://a.example/one).');
  });

  it('keeps a lazy quote line inside a fence as written', () => {
    expect(texts('```\n> quoted\nnot quoted\n```')).toEqual(['code: > quoted\nnot quoted']);
  });

  it('keeps every word of a paragraph longer than one slice, markup read on both sides', () => {
    const words = Array.from({ length: 3_000 }, (_, i) => `w${i}`);
    const [block, ...rest] = texts(
      `**Bold** ${words.join(' ')} and \`code\` [x](https://x.example)`,
    );
    expect(rest).toEqual([]);
    expect(block).toBe(`paragraph: Bold ${words.join(' ')} and \`code\` x (https://x.example)`);
  });
});
