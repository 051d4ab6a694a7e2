import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { assertRedisReachable } from './redis.js';

/**
 * `npm start` and `npm test` on a machine without a Redis: when REDIS_URL is unset and nothing
 * answers at the default address, run a private redis-server child (loopback only, on a free port,
 * AOF on, `noeviction`, data in `<data dir>/redis`) and stop it with the parent. A child orphaned
 * by a parent that was killed outright is found through its record and adopted on the next start.
 * An explicit REDIS_URL is used as given.
 */

export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

export class RedisUnavailableError extends Error {
  readonly code = 'REDIS_UNREACHABLE';
}

export function installRedisHint(url = DEFAULT_REDIS_URL): string {
  const port = new URL(url).port || '6379';
  return [
    `No Redis answers at ${url}, and redis-server is not installed to start a private one.`,
    'Install Redis, then run the command again:',
    '  Debian/Ubuntu:  sudo apt-get install -y redis-server',
    '  macOS:          brew install redis',
    `  Docker:         docker run -d --name deskpilot-redis -p ${port}:6379 redis:7 redis-server --appendonly yes --maxmemory-policy noeviction`,
    'or set REDIS_URL to the Redis you already run.',
  ].join('\n');
}

export interface LocalRedis {
  readonly url: string;
  readonly pid: number;
  stop(): Promise<void>;
}

interface RedisRecord {
  pid: number;
  port: number;
}

function onPath(binary: string, envPath = process.env.PATH ?? ''): string | null {
  for (const dir of envPath.split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, binary);
    if (existsSync(candidate)) return candidate;
  }
  return null;
}

async function reachable(url: string, timeoutMs = 1_000): Promise<boolean> {
  return assertRedisReachable(url, timeoutMs).then(
    () => true,
    () => false,
  );
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * The Redis to use: null when REDIS_URL is set or the default address answers (use the
 * configuration as it is), else a private child. Throws RedisUnavailableError, with the install
 * commands, when there is no redis-server to start.
 */
export async function ensureLocalRedis(options: {
  env: NodeJS.ProcessEnv;
  dataDir: string;
  log?: (message: string) => void;
  /** The address tried first (tests point it at a port where nothing listens). */
  defaultUrl?: string;
}): Promise<LocalRedis | null> {
  if (options.env.REDIS_URL) return null;
  const defaultUrl = options.defaultUrl ?? DEFAULT_REDIS_URL;
  if (await reachable(defaultUrl)) return null;
  const dir = path.resolve(options.dataDir, 'redis');
  const recordFile = path.join(dir, 'deskpilot-redis.json');
  const recorded = readRecord(recordFile);
  if (recorded && alive(recorded.pid)) {
    const url = `redis://127.0.0.1:${recorded.port}`;
    if (await reachable(url)) {
      options.log?.(
        `Using the private Redis left running by an earlier start (pid ${recorded.pid}).`,
      );
      return adopt(url, recorded.pid, recordFile);
    }
  }
  const binary = onPath('redis-server', options.env.PATH);
  if (!binary) throw new RedisUnavailableError(installRedisHint(defaultUrl));
  mkdirSync(dir, { recursive: true });
  const port = await freePort();
  const child = spawn(
    binary,
    [
      '--bind',
      '127.0.0.1',
      '--port',
      String(port),
      '--dir',
      dir,
      '--appendonly',
      'yes',
      '--maxmemory-policy',
      'noeviction',
      '--save',
      '',
      '--daemonize',
      'no',
      '--logfile',
      path.join(dir, 'redis.log'),
    ],
    { stdio: 'ignore' },
  );
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const url = `redis://127.0.0.1:${port}`;
  const deadline = Date.now() + 10_000;
  while (!(await reachable(url, 500))) {
    const code = await Promise.race([exited, new Promise((r) => setTimeout(() => r('wait'), 100))]);
    if (code !== 'wait' || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new RedisUnavailableError(
        `The private redis-server did not start (see ${path.join(dir, 'redis.log')}).`,
      );
    }
  }
  writeFileSync(recordFile, JSON.stringify({ pid: child.pid!, port } satisfies RedisRecord));
  options.log?.(`Started a private Redis at ${url} (data in ${dir}).`);
  return own(url, child, recordFile);
}

function readRecord(file: string): RedisRecord | null {
  try {
    const record = JSON.parse(readFileSync(file, 'utf8')) as RedisRecord;
    return typeof record.pid === 'number' && typeof record.port === 'number' ? record : null;
  } catch {
    return null;
  }
}

function own(url: string, child: ChildProcess, recordFile: string): LocalRedis {
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  // A parent that exits in any way (even process.exit from a crash handler) takes Redis with it.
  const onExit = () => child.kill('SIGTERM');
  process.on('exit', onExit);
  return {
    url,
    pid: child.pid!,
    async stop() {
      process.off('exit', onExit);
      // SIGTERM: redis-server flushes the append-only file and exits.
      child.kill('SIGTERM');
      await exited;
      rmSync(recordFile, { force: true });
    },
  };
}

function adopt(url: string, pid: number, recordFile: string): LocalRedis {
  const onExit = () => {
    try {
      process.kill(pid, 'SIGTERM');
    } catch {}
  };
  process.on('exit', onExit);
  return {
    url,
    pid,
    async stop() {
      process.off('exit', onExit);
      onExit();
      for (let i = 0; i < 100 && alive(pid); i++) await new Promise((r) => setTimeout(r, 50));
      rmSync(recordFile, { force: true });
    },
  };
}
