import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { assertRedisReachable } from '../../src/jobs/redis.js';

/** A throwaway redis-server the test can stop and restart (fault injection on a real Redis). */
export class DisposableRedis {
  private proc?: ChildProcess;
  constructor(readonly port: number) {}

  static async create(): Promise<DisposableRedis> {
    const port = await freePort();
    const r = new DisposableRedis(port);
    await r.start();
    return r;
  }

  get url() {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    this.proc = spawn(
      'redis-server',
      [
        '--port',
        String(this.port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        // Any file it writes (a test may switch AOF on) goes to the temp dir, not the repo.
        '--dir',
        mkdtempSync(path.join(tmpdir(), 'deskpilot-redis-')),
      ],
      { stdio: 'ignore' },
    );
    await waitForRedis(this.url, 100);
  }

  async stop(): Promise<void> {
    const proc = this.proc;
    if (!proc || proc.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      proc.once('exit', () => resolve());
      proc.kill('SIGKILL');
    });
  }
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() =>
        typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port')),
      );
    });
  });
}

export async function waitFor<T>(
  probe: () => Promise<T | undefined | null | false>,
  { timeoutMs = 15_000, intervalMs = 50, what = 'condition' } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/**
 * Waits until a freshly spawned redis-server answers PING (an AOF replay answers LOADING until
 * done).
 */
export async function waitForRedis(url: string, attempts: number): Promise<void> {
  for (let i = 0; i < attempts; i++) {
    try {
      // The service's own boot probe: a fresh connection, one PING, which fails while LOADING.
      return await assertRedisReachable(url, 1_000);
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  throw new Error(`redis-server did not start at ${url}`);
}
