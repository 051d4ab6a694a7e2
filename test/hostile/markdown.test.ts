import { beforeAll, describe, expect, it } from 'vitest';
import { parseMarkdown } from '../../src/kb/parse/markdown.js';
import {
  baselineCpuMs,
  CPU_RATIO,
  cpuMs,
  filled,
  HOSTILE_MARKDOWN,
  pathologicalMarkdown,
  plainMarkdown,
} from './corpus.js';

/**
 * Finding 12: Markdown parsing is linear. Each input is a known quadratic case of some Markdown
 * parser (cmark, markdown-it, micromark, marked, the earlier hand-written reader) or a shape
 * that makes markdown-it build the most tokens per byte. The bound (1 MB in ≤ 1 s) is
 * asserted by `npm run bench:hostile`; here, so that a loaded CI machine cannot fail it, each
 * input's CPU time is compared with the same run's time for as much of an ordinary article.
 * Measured at load average ≈ 20 on 2 cores: the worst shapes take ≈ 2.5× the article, a
 * quadratic one hundreds of times (1 MB of lazy quote continuations: minutes).
 */
let articleMsPerChar = 0;

beforeAll(() => {
  articleMsPerChar = baselineCpuMs(parseMarkdown, plainMarkdown(1_000_000)) / 1e6;
});

describe('hostile Markdown', () => {
  it.each([
    ...Object.entries(HOSTILE_MARKDOWN).map(([name, unit]): [string, string] => [
      `${name}, 300 KB`,
      filled(unit, 300_000),
    ]),
    ['the mixed corpus, 1 MB', pathologicalMarkdown(1_000_000)],
  ])('%s', (_name, markdown) => {
    let blocks: unknown[] = [];
    const used = cpuMs(() => {
      blocks = parseMarkdown(markdown);
    });
    expect(used).toBeLessThan(Math.max(CPU_RATIO * articleMsPerChar * markdown.length, 50));
    expect(Array.isArray(blocks)).toBe(true);
  });
});
