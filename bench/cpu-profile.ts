/**
 * Reads a V8 `.cpuprofile` (node --cpu-prof) and splits the process's CPU time into pipeline
 * stages. A sample is charged to the innermost frame on its stack that belongs to a stage, so a
 * driver or library frame counts where it is (SQL, queue) even when triage called it, and
 * Node-internal frames count for the project code that called them. Written here rather than with
 * a profiler UI because the bench must print the numbers.
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

/** Stage → test on a frame's URL (or function name for V8's own entries). Order matters. */
const stages: [string, (url: string, fn: string) => boolean][] = [
  ['gc', (_u, fn) => fn === '(garbage collector)'],
  ['idle', (_u, fn) => fn === '(idle)'],
  ['native', (_u, fn) => fn === '(program)'],
  ['sql', (u) => /node_modules\/(postgres|drizzle-orm)\//.test(u) || /src\/db\//.test(u)],
  [
    'queue',
    (u) =>
      /node_modules\/(bullmq|ioredis|msgpackr|cron-parser)\//.test(u) ||
      /src\/(queue|jobs)\//.test(u),
  ],
  ['http', (u) => /node_modules\/(hono|@hono|undici)\//.test(u) || /src\/http\//.test(u)],
  [
    'parse',
    (u) =>
      /node_modules\/(mailparser|email-reply-parser|html-to-text|htmlparser2|libmime|libqp|iconv-lite|encoding-japanese)\//.test(
        u,
      ) || /src\/(ingest|mail)\//.test(u),
  ],
  ['redact', (u) => /src\/privacy\//.test(u) || /libphonenumber-js/.test(u)],
  [
    'language',
    (u) =>
      /node_modules\/(franc|trigram-utils|n-gram|collapse-white-space)\//.test(u) ||
      /language/.test(u),
  ],
  [
    'classify',
    (u) =>
      /src\/models\/classifier\//.test(u) ||
      /src\/pipeline\/triage\//.test(u) ||
      /node_modules\/sentiment\//.test(u),
  ],
  ['retrieve', (u) => /src\/(kb|models\/embedder)\//.test(u) || /wordnet/.test(u)],
  ['guards', (u) => /src\/pipeline\/draft\/guards/.test(u)],
  ['compose', (u) => /src\/pipeline\/(draft|review|deliver)\//.test(u) || /src\/prompts/.test(u)],
  ['logging', (u) => /node_modules\/(pino|sonic-boom|thread-stream)\//.test(u)],
];

export interface StageBreakdown {
  /** CPU milliseconds per stage (idle excluded), largest first. */
  stagesMs: Record<string, number>;
  totalMs: number;
}

export function stageBreakdown(profilePath: string): StageBreakdown {
  const profile = JSON.parse(readFileSync(profilePath, 'utf8')) as CpuProfile;
  const parent = new Map<number, number>();
  const byId = new Map<number, ProfileNode>();
  for (const node of profile.nodes) {
    byId.set(node.id, node);
    for (const child of node.children ?? []) parent.set(child, node.id);
  }
  const stageOf = new Map<number, string>();
  const resolve = (id: number): string => {
    const cached = stageOf.get(id);
    if (cached) return cached;
    const node = byId.get(id)!;
    const { url, functionName } = node.callFrame;
    const own = stages.find(([, test]) => test(url, functionName))?.[0];
    const up = parent.get(id);
    const stage = own ?? (up === undefined ? 'other' : resolve(up));
    stageOf.set(id, stage);
    return stage;
  };
  const totals: Record<string, number> = {};
  profile.samples.forEach((id, i) => {
    const stage = resolve(id);
    totals[stage] = (totals[stage] ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000;
  });
  delete totals.idle;
  const sorted = Object.entries(totals).sort((a, b) => b[1] - a[1]);
  return {
    stagesMs: Object.fromEntries(sorted.map(([k, v]) => [k, Math.round(v)])),
    totalMs: Math.round(sorted.reduce((sum, [, v]) => sum + v, 0)),
  };
}
