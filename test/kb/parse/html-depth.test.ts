import fc from 'fast-check';
import { Parser } from 'htmlparser2';
import { describe, expect, it } from 'vitest';
import { capHtmlNesting } from '../../../src/kb/parse/html-depth.js';

/** The deepest htmlparser2 nests when it parses `html` (what its per-tag cost grows with). */
function parsedDepth(html: string): { depth: number; text: string } {
  let depth = 0;
  let deepest = 0;
  let text = '';
  const parser = new Parser({
    onopentag() {
      depth++;
      deepest = Math.max(deepest, depth);
    },
    onclosetag() {
      depth--;
    },
    ontext(chunk) {
      text += chunk;
    },
  });
  parser.write(html);
  parser.end();
  return { depth: deepest, text };
}

const letters = (text: string) => text.replace(/[^a-z0-9]/gi, '');

describe('capHtmlNesting', () => {
  it('leaves HTML within the depth as it is', () => {
    const html =
      '<html><head><title>T</title><style>p{}</style></head><body><div><p>a<p>b<ul><li>1<li>2</ul>' +
      '<table><tr><td>x<td>y<tr><td>z</table></div><br><img src=x><!-- <div> --></body></html>';
    expect(capHtmlNesting(html, 6)).toBe(html);
  });

  it('flattens what is deeper and keeps its text', () => {
    const html = `${'<div>x'.repeat(1_000)}${'</div>'.repeat(1_000)}`;
    const capped = capHtmlNesting(html, 10);
    expect(parsedDepth(capped).depth).toBe(10);
    expect(letters(parsedDepth(capped).text)).toBe('x'.repeat(1_000));
  });

  it('follows closing tags that match nothing, as htmlparser2 does (they close nothing)', () => {
    const capped = capHtmlNesting('<div></x>'.repeat(1_000), 10);
    expect(parsedDepth(capped).depth).toBe(10);
  });

  it('does not count the contents of scripts and styles, nor flatten them', () => {
    const script = `<script>${'"<div>"+'.repeat(50)}1</script>`;
    const html = `<div>${script}<div><div>x</div></div></div>`;
    expect(capHtmlNesting(html, 3)).toBe(html);
    expect(capHtmlNesting(`<div><div>${script}</div></div>`, 2)).toContain(script);
  });

  // Random tag soup: htmlparser2 never nests deeper than the cap (plus one raw-text element),
  // and HTML that does not nest deeper is not changed.
  const tag = fc.oneof(
    fc.constantFrom(
      'div',
      'span',
      'p',
      'li',
      'ul',
      'td',
      'tr',
      'table',
      'b',
      'a',
      'br',
      'img',
      'svg',
      'title',
      'h1',
      'option',
      'select',
      'dd',
      'dt',
      'textarea',
      'script',
      'style',
      'DIV',
      'x',
    ),
    fc.stringMatching(/^[a-z][a-z0-9-]{0,6}$/),
  );
  const piece = fc.oneof(
    tag.map((name) => `<${name}>`),
    tag.map((name) => `</${name}>`),
    tag.map((name) => `<${name}/>`),
    tag.map((name) => `<${name} a="x>y">`),
    fc.constantFrom('<!--', '-->', '<!doctype html>', '<', '>', '</', '< div>', '<?x ?>', '"', "'"),
    fc.stringMatching(/^[a-z ]{1,8}$/),
  );
  it('never lets htmlparser2 nest deeper than the cap, and changes nothing else', () => {
    fc.assert(
      fc.property(
        fc.array(piece, { maxLength: 300 }),
        fc.integer({ min: 1, max: 8 }),
        (pieces, max) => {
          const html = pieces.join('');
          const capped = capHtmlNesting(html, max);
          expect(parsedDepth(capped).depth).toBeLessThanOrEqual(max + 1);
          // It follows the parser exactly: what is not too deep is left alone.
          if (parsedDepth(html).depth <= max) expect(capped).toBe(html);
          // Flattening only ever removes a tag (replaced by a space).
          expect(capped.length).toBeLessThanOrEqual(html.length);
        },
      ),
      { numRuns: 500 },
    );
  });
});
