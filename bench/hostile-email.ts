/**
 * bench:hostile — one 16 MB email whose body is a long quoted thread (security finding 5), taken
 * the way the service takes it: MIME parse with reply stripping (the webhook's work), then the
 * redaction triage runs before any model sees the text. Prints one JSON line per run: `before`
 * does every step on the event loop (as the service did until the work moved to worker threads),
 * `after` is the service's path (src/offload/pool.ts: large inputs go to the threads, which start
 * on first use), `afterWarm` the same for the next message. Each line has the wall time of each step, the longest event-loop stall and peak RSS
 * growth (threads included). Target: ≤ 1 s and ≤ 300 MB, and no stall near the old half second.
 * Env: BENCH_EMAIL_MB (default 16); BENCH_NO_REPLY=1 for a message that is all quote (the
 * stripper's fallback path).
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseRawEmail, parseRawEmailHere } from '../src/ingest/email/parse.js';
import type { InboundEmail } from '../src/ingest/email/types.js';
import { closeThreadPool } from '../src/offload/pool.js';
import { classifierInput, MAX_CLASSIFIER_CHARS } from '../src/pipeline/triage/classifier-input.js';
import { redactPII } from '../src/privacy/redact.js';
import { quotedThreadEmail } from '../test/hostile/corpus.js';

const megabytes = Number(process.env.BENCH_EMAIL_MB ?? 16);
const raw = quotedThreadEmail(megabytes * 1024 * 1024, 'bench', process.env.BENCH_NO_REPLY !== '1');
const options = { maxAttachmentBytes: 10_000_000, supportAddress: 'support@deskpilot.test' };

const steps = {
  before: {
    parse: () => parseRawEmailHere(raw, options),
    // classifierInput's text, redacted here as it was before.
    redact: async (email: InboundEmail) =>
      redactPII(
        `${email.subject}\n${(email.strippedText || email.text).slice(0, MAX_CLASSIFIER_CHARS)}`.trim(),
      ).text,
  },
  after: {
    parse: () => parseRawEmail(raw, options),
    redact: async (email: InboundEmail) =>
      (
        await classifierInput({ subject: email.subject }, [
          {
            id: 'm',
            authorKind: 'customer',
            strippedText: email.strippedText,
            bodyText: email.text,
          },
        ])
      ).text,
  },
};

// `after` starts the threads (and loads their modules); `afterWarm` is the next message.
const runs = [
  ['before', steps.before],
  ['after', steps.after],
  ['afterWarm', steps.after],
] as const;

for (const [mode, step] of runs) {
  global.gc?.();
  const baseline = process.memoryUsage().rss;
  let peak = baseline;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 5);
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();

  const t0 = performance.now();
  const email = await step.parse();
  const t1 = performance.now();
  const redacted = await step.redact(email);
  const t2 = performance.now();
  // Let the loop monitor observe the stall the synchronous steps caused before it stops.
  await new Promise((resolve) => setTimeout(resolve, 20));
  peak = Math.max(peak, process.memoryUsage().rss);
  clearInterval(sampler);
  loop.disable();

  console.log(
    JSON.stringify({
      bench: 'hostile-email',
      mode,
      emailBytes: raw.length,
      parseMs: Math.round(t1 - t0),
      redactMs: Math.round(t2 - t1),
      totalMs: Math.round(t2 - t0),
      maxEventLoopStallMs: Math.round(loop.max / 1e6),
      peakRssGrowthMb: Math.round((peak - baseline) / 1024 / 1024),
      storedTextChars: email.text.length,
      strippedChars: email.strippedText.length,
      redactedChars: redacted.length,
    }),
  );
}
console.log(
  `loadavg ${(await import('node:os'))
    .loadavg()
    .map((n) => n.toFixed(2))
    .join(' ')}`,
);
await closeThreadPool();
