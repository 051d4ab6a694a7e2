/**
 * bench:cli-start — how long a CLI command takes, start to exit, on the compiled build.
 *
 *   npm run bench:cli-start [-- --runs 7]
 *
 * Runs `node scripts/run.mjs cli/index …`, what `npm run cli -- …` runs (npm's own start-up, about
 * 0.2 s of CPU, comes on top), in three cases on a new embedded store in a temporary directory that
 * holds one user:
 * - `help`: `--help`;
 * - `usersListAlone`: `users list` with no server, so the command opens the PGlite directory
 *   itself under the store's lock (PGlite's start, the migrations check, the query, the close);
 * - `usersListViaServer`: `users list` while `npm start`'s entry point runs on that directory, so
 *   the command reaches the store through the server's socket.
 * For each: wall seconds (a monotonic clock around the child) and CPU seconds (user + system of the
 * child and what it waited for, from the shell's `times`), min/median/max. Prints one JSON object
 * with the 1-minute load average at the start and the end: on a busy machine the wall time is
 * mostly waiting for a processor, and the CPU time is the figure to compare. Issue 15's target is
 * ≤ 1 s of wall time for `--help` and `users list`.
 * Redis for the server: REDIS_URL, or what `npm start` does without it.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({ options: { runs: { type: 'string', default: '7' } } });
const runs = Number(values.runs);
if (!Number.isInteger(runs) || runs < 1) throw new Error('--runs takes a whole number ≥ 1');

const dir = mkdtempSync(path.join(tmpdir(), 'deskpilot-cli-start-'));
const env = {
  ...process.env,
  DATABASE_URL: '',
  PGLITE_DATA_DIR: path.join(dir, 'pglite'),
  QUEUE_PREFIX: `cli-start-${process.pid}`,
  PORT: '0',
  HOST: '127.0.0.1',
  LOG_LEVEL: 'info',
};

interface Run {
  wall: number;
  cpu: number;
}

/**
 * One command under `sh -c`, whose `times` then reports the CPU time of its finished children
 * (Node reports only its own). Fails on a non-zero exit: a broken command must not time well.
 */
function timed(args: string[]): Promise<Run> {
  const script = '"$@" >/dev/null 2>"$ERR_FILE" || { cat "$ERR_FILE" >&2; exit 1; }; times';
  const errFile = path.join(dir, 'stderr');
  const started = performance.now();
  const child = spawn(
    'sh',
    ['-c', script, 'sh', process.execPath, 'scripts/run.mjs', 'cli/index', ...args],
    { cwd: root, env: { ...env, ERR_FILE: errFile } },
  );
  let out = '';
  let err = '';
  child.stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    err += chunk.toString();
  });
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => {
      const wall = (performance.now() - started) / 1000;
      if (code !== 0) return reject(new Error(`cli ${args.join(' ')} exited ${code}: ${err}`));
      // `times`: the shell's user and system time, then its children's: "0m0.840s 0m0.170s".
      const children = out.trim().split('\n').at(-1) ?? '';
      const seconds = [...children.matchAll(/(\d+)m([\d.]+)s/g)].map(
        (m) => Number(m[1]) * 60 + Number(m[2]),
      );
      if (seconds.length !== 2) return reject(new Error(`unexpected \`times\` output: ${out}`));
      resolve({ wall, cpu: seconds[0]! + seconds[1]! });
    });
  });
}

const round = (n: number) => Math.round(n * 1000) / 1000;

function summary(samples: Run[]) {
  const stat = (pick: (r: Run) => number) => {
    const sorted = samples.map(pick).sort((a, b) => a - b);
    return {
      min: round(sorted[0]!),
      median: round(sorted[Math.floor(sorted.length / 2)]!),
      max: round(sorted.at(-1)!),
    };
  };
  return { wallSeconds: stat((r) => r.wall), cpuSeconds: stat((r) => r.cpu) };
}

async function series(args: string[]) {
  await timed(args); // warm-up: the OS's file cache, and dist/ built if it was stale
  const samples: Run[] = [];
  for (let i = 0; i < runs; i++) samples.push(await timed(args));
  return summary(samples);
}

/** `npm start`'s entry point on the bench's store; resolves once it logged that it started. */
function startServer(): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['scripts/run.mjs', 'main'], { cwd: root, env });
  let output = '';
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('"deskpilot started"')) resolve(child);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => reject(new Error(`server exited ${code}:\n${output}`)));
  });
}

function stopServer(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

const loadAtStart = loadavg()[0]!;
try {
  await timed([
    'users',
    'create',
    '--email',
    'bench@example.com',
    '--role',
    'admin',
    '--password',
    'a bench password of some length',
  ]);
  const help = await series(['--help']);
  const usersListAlone = await series(['users', 'list']);
  const server = await startServer();
  let usersListViaServer: ReturnType<typeof summary>;
  try {
    usersListViaServer = await series(['users', 'list']);
  } finally {
    await stopServer(server);
  }
  console.log(
    JSON.stringify(
      {
        runs,
        node: process.version,
        loadAverage1m: { start: loadAtStart, end: loadavg()[0] },
        help,
        usersListAlone,
        usersListViaServer,
      },
      null,
      2,
    ),
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
