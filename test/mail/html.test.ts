import { describe, expect, it } from 'vitest';
import { renderHtmlFromText } from '../../src/mail/index.js';

function body(html: string): string {
  return html.replace(/^<div[^>]*>\n/, '').replace(/\n<\/div>$/, '');
}

describe('renderHtmlFromText', () => {
  it('makes paragraphs of blank-line separated blocks and <br> of single breaks', () => {
    expect(body(renderHtmlFromText('Hi Bob,\n\nLine one\nLine two\r\n\r\n\r\nThanks'))).toBe(
      '<p dir="auto">Hi Bob,</p>\n<p dir="auto">Line one<br>\nLine two</p>\n<p dir="auto">Thanks</p>',
    );
  });

  it('escapes everything the text contains', () => {
    const html = renderHtmlFromText(`<script>alert("x")</script> & 'quotes' <img src=x onerror=y>`);
    expect(html).not.toMatch(/<script|<img/);
    expect(html).toContain(
      '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;quotes&#39; &lt;img src=x onerror=y&gt;',
    );
  });

  it('links http(s) URLs, leaving trailing punctuation outside', () => {
    const html = renderHtmlFromText(
      'See https://acme.test/help?a=1&b=2. Or (https://acme.test/x_(y)) and http://acme.test/z!',
    );
    expect(html).toContain(
      '<a href="https://acme.test/help?a=1&amp;b=2" rel="noopener noreferrer" target="_blank">https://acme.test/help?a=1&amp;b=2</a>. Or',
    );
    expect(html).toContain('(<a href="https://acme.test/x_(y)"');
    expect(html).toContain('>https://acme.test/x_(y)</a>) and');
    expect(html).toContain('>http://acme.test/z</a>!');
  });

  it('does not link other schemes or let a URL break out of the attribute', () => {
    const html = renderHtmlFromText('javascript:alert(1) https://acme.test/"onmouseover="x');
    expect(html).not.toContain('href="javascript');
    expect(html).toContain('<a href="https://acme.test/"');
    expect(html).not.toMatch(/href="[^"]*"onmouseover/);
    expect(html).toContain('&quot;onmouseover=&quot;x');
  });

  it('a bare scheme is not a link', () => {
    expect(renderHtmlFromText('https:// nothing')).not.toContain('<a ');
  });

  it('keeps non-Latin text as is', () => {
    expect(renderHtmlFromText('ありがとう – مرحبا')).toContain(
      '<p dir="auto">ありがとう – مرحبا</p>',
    );
  });

  it('empty text gives an empty container', () => {
    expect(body(renderHtmlFromText('\n\n  \n'))).toBe('');
  });
});
