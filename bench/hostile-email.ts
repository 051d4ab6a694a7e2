/**
 * bench:hostile — one 16 MB email whose body is a long quoted thread (security finding 5), taken
 * the way the service takes it: MIME parse with reply stripping (the webhook's work), then the
 * redaction triage runs before any model sees the text. Prints one JSON line: wall time of each
 * step, the longest event-loop stall, and peak RSS growth. Target: ≤ 1 s and ≤ 300 MB.
 * Env: BENCH_EMAIL_MB (default 16); BENCH_NO_REPLY=1 for a message that is all quote (the
 * stripper's fallback path).
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseRawEmail } from '../src/ingest/email/parse.js';
import { classifierInput } from '../src/pipeline/triage/classifier-input.js';
import { quotedThreadEmail } from '../test/hostile/corpus.js';

const megabytes = Number(process.env.BENCH_EMAIL_MB ?? 16);
const raw = quotedThreadEmail(megabytes * 1024 * 1024, 'bench', process.env.BENCH_NO_REPLY !== '1');
global.gc?.();
const baseline = process.memoryUsage().rss;
let peak = baseline;
const sampler = setInterval(() => {
  peak = Math.max(peak, process.memoryUsage().rss);
}, 5);
const loop = monitorEventLoopDelay({ resolution: 10 });
loop.enable();

const t0 = performance.now();
const email = await parseRawEmail(raw, {
  maxAttachmentBytes: 10_000_000,
  supportAddress: 'support@deskpilot.test',
});
const t1 = performance.now();
const redacted = classifierInput({ subject: email.subject }, [
  { id: 'm', authorKind: 'customer', strippedText: email.strippedText, bodyText: email.text },
]).text;
const t2 = performance.now();
// Let the loop monitor observe the stall the synchronous steps caused before it stops.
await new Promise((resolve) => setTimeout(resolve, 20));
peak = Math.max(peak, process.memoryUsage().rss);
clearInterval(sampler);
loop.disable();

console.log(
  JSON.stringify({
    bench: 'hostile-email',
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
