import { describe, expect, it } from 'vitest';
import { parseMarkdown } from '../../src/kb/parse/markdown.js';
import { pathologicalMarkdown } from './corpus.js';

const cpuMs = (run: () => void) => {
  const started = process.cpuUsage();
  run();
  const used = process.cpuUsage(started);
  return (used.user + used.system) / 1000;
};

/**
 * Finding 12: Markdown parsing is linear; 1 MB of hostile Markdown parses in a bound. Each input
 * is a known quadratic case of some Markdown parser (cmark, markdown-it, micromark, marked, the
 * earlier hand-written reader). CPU time, not wall time, so a loaded machine does not fail it:
 * ≈ 1–2 s of CPU per MB with load average 25 on 2 cores, a quadratic case takes minutes.
 */
describe('hostile Markdown', () => {
  it.each([
    ['the mixed corpus, 1 MB', pathologicalMarkdown(1_000_000)],
    ['300k opening brackets', '['.repeat(300_000)],
    ['300k less-than signs', '<'.repeat(300_000)],
    ['100k unclosed strong markers', '**a '.repeat(100_000)],
    ['150k unclosed underscores', '_a '.repeat(150_000)],
    ['50k unclosed images', '![a](b '.repeat(50_000)],
    ['lazy quote continuations (markdown-it, micromark)', 'x\n> - \n'.repeat(60_000)],
    ['links with open parentheses (commonmark.js)', '[](((('.repeat(60_000)],
    ['nested list markers', '- '.repeat(150_000)],
    ['200 levels of nested quotes', `${'> '.repeat(200)}deep\n`.repeat(1_000)],
  ])('%s', (_name, markdown) => {
    let blocks: unknown[] = [];
    const used = cpuMs(() => {
      blocks = parseMarkdown(markdown);
    });
    expect(used).toBeLessThan(6_000);
    expect(Array.isArray(blocks)).toBe(true);
  });
});
