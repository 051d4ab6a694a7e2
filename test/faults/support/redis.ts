import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort, waitForRedis } from '../../support/redis-server.js';

export interface RedisProcessOptions {
  /**
   * Append-only file in a temporary directory, as BullMQ's production guide asks for: a restart
   * (even SIGKILL) keeps every acknowledged write, because Redis writes the AOF before it replies.
   * Without it a restart starts empty, which is what a Redis without persistence does.
   */
  persistent?: boolean;
}

/** A redis-server child the test owns: killed and started again on the same port (and files). */
export class RedisProcess {
  private proc?: ChildProcess;
  private readonly dir: string;

  private constructor(
    readonly port: number,
    private readonly options: RedisProcessOptions,
  ) {
    this.dir = mkdtempSync(path.join(tmpdir(), 'deskpilot-redis-'));
  }

  static async start(options: RedisProcessOptions = {}): Promise<RedisProcess> {
    const redis = new RedisProcess(await freePort(), options);
    await redis.start();
    return redis;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  get running(): boolean {
    return this.proc !== undefined && this.proc.exitCode === null && this.proc.signalCode === null;
  }

  async start(): Promise<void> {
    const persistence = this.options.persistent
      ? ['--appendonly', 'yes', '--appendfsync', 'everysec']
      : ['--appendonly', 'no'];
    this.proc = spawn(
      'redis-server',
      [
        '--port',
        String(this.port),
        '--bind',
        '127.0.0.1',
        '--dir',
        this.dir,
        '--save',
        '',
        // BullMQ requires it: evicting queue keys under memory pressure would lose jobs silently.
        '--maxmemory-policy',
        'noeviction',
        ...persistence,
      ],
      { stdio: 'ignore' },
    );
    await waitForRedis(this.url, 200);
  }

  /** SIGKILL by default: no shutdown save, no goodbye to clients — a crash. */
  async stop(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const proc = this.proc;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      proc.once('exit', () => resolve());
      proc.kill(signal);
    });
  }

  /** Down for `downMs`, then up again on the same port with the same files. */
  async restart(downMs = 1_000): Promise<void> {
    await this.stop();
    await new Promise((r) => setTimeout(r, downMs));
    await this.start();
  }

  async close(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
