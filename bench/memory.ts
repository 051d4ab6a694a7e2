/**
 * bench:memory — how much memory one service process holds after the demo, and where it goes.
 *
 *   npm run bench:memory [-- --vs 'PGLITE_SHARED_BUFFERS=128MB'] [--settle-seconds 5] [--keep]
 *
 * Runs `npm run demo`'s command line from package.json, Node flags included (the compiled build,
 * as `npm start` runs it: api + workers in one process on the embedded defaults — PGlite in a
 * fresh temporary directory, the extractive generator, the hashed embedder) until the demo's
 * tickets are drafted, lets it settle, then reads the process from outside. Twice on the same directory: `fresh` is the first run (PGlite runs
 * initdb, the classifier is trained), `restart` a second process on that store (every later
 * `npm start`). For each:
 * - `rssMb`/`peakRssMb`: VmRSS and VmHWM from /proc/<pid>/status;
 * - from /proc/<pid>/smaps, the resident part of each kind of mapping: `pgliteMemoryMb` (the
 *   WebAssembly linear memory: a read-write mapping inside V8's multi-gigabyte guarded
 *   reservation), `wasmCodeMb` (V8's compiled WebAssembly code space), `mallocMb` (the brk heap
 *   and glibc's per-thread arenas: native add-ons, compilers, zones), `fileMb` (the node binary and
 *   shared libraries; of them `onnxMb` and `llamaMb`, onnxruntime's and node-llama-cpp's native
 *   libraries, mapped only when a model of theirs is loaded), `otherAnonMb` (V8's own heap pages,
 *   thread stacks, the rest);
 * - from the service's /metrics: V8 heap used and reserved, and `external` (ArrayBuffers and
 *   Buffers held by JS, which counts PGlite's linear memory too).
 *
 * Prints one JSON object on stdout and a table on stderr, against the target of issue #18 (one
 * process ≤ 300 MB RSS after the demo's drafts, `--target-mb`); exits 0 either way.
 * `--vs 'K=V …'` runs both again with those environment variables added (e.g. the old setting as a
 * same-run baseline) and prints both, A first, with the RSS ratios A/B.
 * Redis: REDIS_URL, or the default address, as the demo uses it (a separate process either way).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({
  options: {
    vs: { type: 'string' },
    'settle-seconds': { type: 'string', default: '5' },
    keep: { type: 'boolean', default: false },
    'target-mb': { type: 'string', default: '300' },
  },
});
const targetMb = Number(values['target-mb']);

/**
 * `npm run demo`'s environment (leading `K=V` words), Node flags and entry, read from
 * package.json: what a user runs is measured.
 */
function demoCommand(): { env: Record<string, string>; args: string[] } {
  const scripts = (
    JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
    }
  ).scripts;
  const words = (scripts.demo ?? '').split(/\s+/);
  const env: Record<string, string> = {};
  while (words[0] && /^[A-Z_][A-Z0-9_]*=/.test(words[0])) {
    const [key, ...value] = words.shift()!.split('=');
    env[key!] = value.join('=');
  }
  const [node, ...args] = words;
  if (node !== 'node' || !args.includes('scripts/run.mjs')) {
    throw new Error(
      `package.json's demo script is not \`[K=V …] node … scripts/run.mjs …\`: ${scripts.demo}`,
    );
  }
  return { env, args };
}
const settleMs = Number(values['settle-seconds']) * 1000;

interface Sample {
  demoSeconds: number;
  rssMb: number;
  peakRssMb: number;
  pgliteMemoryMb: number;
  wasmCodeMb: number;
  mallocMb: number;
  fileMb: number;
  onnxMb: number;
  llamaMb: number;
  otherAnonMb: number;
  heapUsedMb: number;
  heapTotalMb: number;
  externalMb: number;
}

const mb = (kb: number) => Math.round(kb / 102.4) / 10;

interface Mapping {
  start: bigint;
  end: bigint;
  perms: string;
  name: string;
  sizeKb: number;
  rssKb: number;
}

function mappings(pid: number): Mapping[] {
  const out: Mapping[] = [];
  let cur: Mapping | undefined;
  for (const line of readFileSync(`/proc/${pid}/smaps`, 'utf8').split('\n')) {
    const head = /^([0-9a-f]+)-([0-9a-f]+) (\S+) \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (head) {
      cur = {
        start: BigInt(`0x${head[1]}`),
        end: BigInt(`0x${head[2]}`),
        perms: head[3]!,
        name: head[4]!.trim(),
        sizeKb: 0,
        rssKb: 0,
      };
      out.push(cur);
      continue;
    }
    const field = /^(Size|Rss):\s+(\d+) kB/.exec(line);
    if (field && cur) cur[field[1] === 'Size' ? 'sizeKb' : 'rssKb'] = Number(field[2]);
  }
  return out;
}

const GiB = 1024 * 1024;

/** Splits the resident set by kind of mapping (see the header). */
function breakdown(pid: number) {
  const maps = mappings(pid);
  const totals = {
    pgliteMemory: 0,
    wasmCode: 0,
    malloc: 0,
    file: 0,
    onnx: 0,
    llama: 0,
    otherAnon: 0,
  };
  maps.forEach((m, i) => {
    const before = maps[i - 1];
    const after = maps[i + 1];
    const guarded = (n: Mapping | undefined, edge: bigint) =>
      n !== undefined && n.perms === '---p' && n.name === '' && n.sizeKb >= GiB && edge === 0n;
    if (m.name === '' && m.perms === 'rw-p' && guarded(before, m.start - (before?.end ?? 0n))) {
      // V8 reserves 8 GiB + guards for a 32-bit wasm memory; the accessible part is read-write.
      totals.pgliteMemory += m.rssKb;
    } else if (
      m.name === '' &&
      m.perms === 'rw-p' &&
      guarded(after, (after?.start ?? 0n) - m.end)
    ) {
      totals.pgliteMemory += m.rssKb;
    } else if (m.name === '' && m.sizeKb >= 512 * 1024 && m.perms !== '---p') {
      // V8's WebAssembly code space: one reservation of about 1 GiB, committed as code is compiled.
      totals.wasmCode += m.rssKb;
    } else if (
      m.name === '[heap]' ||
      // glibc's thread arenas: 64 MiB-aligned, at most 64 MiB (the unused tail is ---p).
      (m.name === '' && m.start % (64n * 1024n * 1024n) === 0n && m.sizeKb <= 64 * 1024)
    ) {
      totals.malloc += m.rssKb;
    } else if (m.name.startsWith('/')) {
      totals.file += m.rssKb;
      if (/onnxruntime/i.test(m.name)) totals.onnx += m.rssKb;
      if (/llama/i.test(m.name)) totals.llama += m.rssKb;
    } else {
      totals.otherAnon += m.rssKb;
    }
  });
  return totals;
}

async function metrics(port: number) {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const metric = (name: string) => {
    const line = text.split('\n').find((l) => l.startsWith(`deskpilot_${name} `));
    return line ? Number(line.split(' ')[1]) / 1024 : Number.NaN;
  };
  return {
    heapUsedMb: mb(metric('nodejs_heap_size_used_bytes')),
    heapTotalMb: mb(metric('nodejs_heap_size_total_bytes')),
    externalMb: mb(metric('nodejs_external_memory_bytes')),
  };
}

function statusKb(pid: number, field: string): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(
    readFileSync(`/proc/${pid}/status`, 'utf8'),
  );
  return m ? Number(m[1]) : Number.NaN;
}

async function runDemo(extraEnv: Record<string, string>, dir: string): Promise<Sample> {
  const started = Date.now();
  const demo = demoCommand();
  const child = spawn(process.execPath, demo.args, {
    cwd: root,
    env: {
      ...process.env,
      ...demo.env,
      PGLITE_DATA_DIR: path.join(dir, 'pglite'),
      PORT: '0',
      QUEUE_PREFIX: `benchmem${process.pid}${path.basename(dir).slice(-6)}`,
      LOG_LEVEL: 'warn',
      ...extraEnv,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stderr.on('data', (d: Buffer) => {
    output += d.toString();
  });
  try {
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`demo not done in 10 min:\n${output}`)),
        600_000,
      );
      child.stdout.on('data', (d: Buffer) => {
        output += d.toString();
        const m = /Deskpilot is running at http:\/\/127\.0\.0\.1:(\d+)/.exec(output);
        if (m) {
          clearTimeout(timer);
          resolve(Number(m[1]));
        }
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`demo exited (${code}):\n${output}`));
      });
    });
    const demoSeconds = Math.round((Date.now() - started) / 100) / 10;
    await new Promise((r) => setTimeout(r, settleMs));
    const pid = child.pid!;
    const parts = breakdown(pid);
    return {
      demoSeconds,
      rssMb: mb(statusKb(pid, 'VmRSS')),
      peakRssMb: mb(statusKb(pid, 'VmHWM')),
      pgliteMemoryMb: mb(parts.pgliteMemory),
      wasmCodeMb: mb(parts.wasmCode),
      mallocMb: mb(parts.malloc),
      fileMb: mb(parts.file),
      onnxMb: mb(parts.onnx),
      llamaMb: mb(parts.llama),
      otherAnonMb: mb(parts.otherAnon),
      ...(await metrics(port)),
    };
  } finally {
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 15_000))]);
    child.kill('SIGKILL');
  }
}

/** The demo on a fresh store, then again on the same store. */
async function freshAndRestart(extraEnv: Record<string, string>) {
  const dir = mkdtempSync(path.join(tmpdir(), 'deskpilot-bench-memory-'));
  try {
    const fresh = await runDemo(extraEnv, dir);
    const restart = await runDemo(extraEnv, dir);
    return { env: extraEnv, fresh, restart };
  } finally {
    if (!values.keep) rmSync(dir, { recursive: true, force: true });
    else console.error(`kept ${dir}`);
  }
}

function parseEnv(spec: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const pair of spec.split(/\s+/).filter(Boolean)) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new Error(`--vs expects K=V pairs, got ${pair}`);
    env[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return env;
}

const loadavg = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
const ratio = (x: number, y: number) => Math.round((x / y) * 100) / 100;

/** The human-readable split: the JavaScript heap apart from each native part. */
function table(label: string, run: Awaited<ReturnType<typeof freshAndRestart>>): string {
  const rows: [string, (s: Sample) => string][] = [
    ['RSS after the demo (MB)', (s) => `${s.rssMb}`],
    ['  peak RSS', (s) => `${s.peakRssMb}`],
    ['  JS heap: V8 pages (used / reserved)', (s) => `${s.heapUsedMb} / ${s.heapTotalMb}`],
    ['  PGlite WebAssembly memory', (s) => `${s.pgliteMemoryMb}`],
    ['  WebAssembly compiled code', (s) => `${s.wasmCodeMb}`],
    ['  malloc (native heap, thread arenas)', (s) => `${s.mallocMb}`],
    ['  files (node binary, libraries)', (s) => `${s.fileMb}`],
    ['    of them ONNX runtime / llama', (s) => `${s.onnxMb} / ${s.llamaMb}`],
    ['  other anonymous (V8 heap pages, stacks)', (s) => `${s.otherAnonMb}`],
    ['  external (ArrayBuffers, incl. WASM memory)', (s) => `${s.externalMb}`],
    [`target ≤ ${targetMb} MB`, (s) => (s.rssMb <= targetMb ? 'met' : 'MISSED')],
  ];
  const lines = [`${label.padEnd(46)}${'fresh'.padStart(12)}${'restart'.padStart(12)}`];
  for (const [name, cell] of rows) {
    lines.push(
      `${name.padEnd(46)}${cell(run.fresh).padStart(12)}${cell(run.restart).padStart(12)}`,
    );
  }
  return lines.join('\n');
}

const a = await freshAndRestart({});
const target = (s: Sample) => s.rssMb <= targetMb;
const demo = demoCommand();
const demoEnv = Object.entries(demo.env).map(([k, v]) => `${k}=${v} `);
console.error(
  `\nbench:memory, load ${loadavg}, ${demoEnv.join('')}node ${demo.args.join(' ')}\n${table('A', a)}`,
);
if (values.vs) {
  const b = await freshAndRestart(parseEnv(values.vs));
  console.error(`\n${table(`B: ${values.vs}`, b)}`);
  console.log(
    JSON.stringify({
      loadavg,
      targetMb,
      a,
      b,
      rssRatioAB: {
        fresh: ratio(a.fresh.rssMb, b.fresh.rssMb),
        restart: ratio(a.restart.rssMb, b.restart.rssMb),
      },
    }),
  );
} else {
  console.log(
    JSON.stringify({
      loadavg,
      targetMb,
      targetMet: { fresh: target(a.fresh), restart: target(a.restart) },
      ...a,
    }),
  );
}
process.exit(0);
