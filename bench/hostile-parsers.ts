/**
 * bench:hostile (second part) — the bound for the article and email parsers (security
 * finding 12 and the HTML nesting found with it): 1 MB of each hostile shape in ≤ 1 s. Each
 * shape is parsed once, after a warm-up, and printed as one JSON line with its CPU time (user +
 * system, this process; wall time is also printed, but on a shared machine it measures the
 * neighbours) and its ratio to the same run's time for 1 MB of an ordinary article. Exits 1 if
 * any shape takes more than BENCH_BOUND_MS (default 1000) of CPU.
 */
import { loadavg } from 'node:os';
import { htmlToPlainText } from '../src/ingest/email/text.js';
import { parseHtml } from '../src/kb/parse/html.js';
import { parseMarkdown } from '../src/kb/parse/markdown.js';
import {
  filled,
  HOSTILE_HTML,
  HOSTILE_MARKDOWN,
  pathologicalMarkdown,
  plainHtml,
  plainMarkdown,
} from '../test/hostile/corpus.js';

const BYTES = 1_000_000;
const bound = Number(process.env.BENCH_BOUND_MS ?? 1_000);

function measure(run: () => unknown): { cpuMs: number; wallMs: number } {
  global.gc?.();
  const cpu = process.cpuUsage();
  const started = performance.now();
  run();
  const used = process.cpuUsage(cpu);
  return {
    cpuMs: Math.round((used.user + used.system) / 1000),
    wallMs: Math.round(performance.now() - started),
  };
}

const readers = {
  markdown: {
    read: parseMarkdown,
    article: plainMarkdown(BYTES),
    shapes: {
      ...Object.fromEntries(
        Object.entries(HOSTILE_MARKDOWN).map(([name, unit]) => [name, filled(unit, BYTES)]),
      ),
      'the mixed corpus': pathologicalMarkdown(BYTES),
    },
  },
  'kb-html': {
    read: parseHtml,
    article: plainHtml(BYTES),
    shapes: Object.fromEntries(
      Object.entries(HOSTILE_HTML).map(([name, unit]) => [name, filled(unit, BYTES)]),
    ),
  },
  'email-html': {
    read: htmlToPlainText,
    article: plainHtml(BYTES),
    shapes: Object.fromEntries(
      Object.entries(HOSTILE_HTML).map(([name, unit]) => [name, filled(unit, BYTES)]),
    ),
  },
} satisfies Record<
  string,
  { read: (text: string) => unknown; article: string; shapes: Record<string, string> }
>;

let over = 0;
for (const [reader, { read, article, shapes }] of Object.entries(readers)) {
  read(article.slice(0, 100_000));
  const baseline = measure(() => read(article));
  console.log(JSON.stringify({ bench: 'hostile-parsers', reader, shape: 'article', ...baseline }));
  for (const [shape, text] of Object.entries(shapes)) {
    const result = measure(() => read(text));
    const ratio = Math.round((result.cpuMs / Math.max(baseline.cpuMs, 1)) * 10) / 10;
    const withinBound = result.cpuMs <= bound;
    if (!withinBound) over++;
    console.log(
      JSON.stringify({ bench: 'hostile-parsers', reader, shape, ...result, ratio, withinBound }),
    );
  }
}
console.log(
  `loadavg ${loadavg()
    .map((n) => n.toFixed(2))
    .join(' ')}`,
);
if (over > 0) {
  console.error(`${over} shape(s) over ${bound} ms of CPU for 1 MB`);
  process.exitCode = 1;
}
