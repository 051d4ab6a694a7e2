import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { freePort, waitFor, waitForRedis } from './redis-server.js';

const run = promisify(execFile);

/**
 * A throwaway Redis Cluster of `masters` masters on loopback ports (no replicas), made with
 * `redis-server --cluster-enabled yes` and `redis-cli --cluster create`. Nodes keep an append-only
 * file, so a master killed and restarted comes back with its keys and its slots.
 */
export class DisposableRedisCluster {
  private readonly procs = new Map<number, ChildProcess>();
  private readonly dir = mkdtempSync(path.join(tmpdir(), 'deskpilot-redis-cluster-'));

  private constructor(readonly ports: number[]) {}

  static async start(masters = 3): Promise<DisposableRedisCluster> {
    const ports: number[] = [];
    for (let i = 0; i < masters; i++) ports.push(await freePort());
    const cluster = new DisposableRedisCluster(ports);
    for (const port of ports) await cluster.startNode(port);
    await run('redis-cli', [
      '--cluster',
      'create',
      ...ports.map((p) => `127.0.0.1:${p}`),
      '--cluster-replicas',
      '0',
      '--cluster-yes',
    ]);
    await cluster.waitUntilHealthy();
    return cluster;
  }

  /** The port of the master serving `key`'s slot. */
  async masterOf(key: string): Promise<number> {
    const probe = new Redis(this.ports[0]!, '127.0.0.1');
    try {
      const slot = (await probe.call('CLUSTER', 'KEYSLOT', key)) as number;
      const ranges = (await probe.call('CLUSTER', 'SLOTS')) as Array<
        [number, number, [string, number]]
      >;
      const owner = ranges.find(([from, to]) => slot >= from && slot <= to);
      if (!owner) throw new Error(`no master serves slot ${slot}`);
      return owner[2][1];
    } finally {
      probe.disconnect();
    }
  }

  /** SIGKILLs a node's process (a crashed master). */
  async kill(port: number): Promise<void> {
    const proc = this.procs.get(port);
    if (!proc || proc.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      proc.once('exit', () => resolve());
      proc.kill('SIGKILL');
    });
  }

  /** Starts a killed node again on its port, with its nodes file and append-only file. */
  async restart(port: number): Promise<void> {
    await this.startNode(port);
    await this.waitUntilHealthy();
  }

  async stop(): Promise<void> {
    for (const port of this.ports) await this.kill(port);
  }

  async waitUntilHealthy(timeoutMs = 30_000): Promise<void> {
    await waitFor(
      async () => {
        for (const port of this.ports) {
          const node = new Redis(port, '127.0.0.1', {
            lazyConnect: true,
            retryStrategy: () => null,
          });
          node.on('error', () => {});
          try {
            await node.connect();
            const info = (await node.call('CLUSTER', 'INFO')) as string;
            if (!info.includes('cluster_state:ok')) return null;
          } catch {
            return null;
          } finally {
            node.disconnect();
          }
        }
        return true;
      },
      { what: 'cluster_state:ok on every node', timeoutMs, intervalMs: 200 },
    );
  }

  private async startNode(port: number): Promise<void> {
    const proc = spawn(
      'redis-server',
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--cluster-enabled',
        'yes',
        '--cluster-config-file',
        `nodes-${port}.conf`,
        '--cluster-node-timeout',
        '2000',
        '--appendonly',
        'yes',
        '--appendfilename',
        `appendonly-${port}.aof`,
        '--appenddirname',
        `aof-${port}`,
        '--save',
        '',
        '--dir',
        this.dir,
      ],
      { stdio: 'ignore' },
    );
    this.procs.set(port, proc);
    await waitForRedis(`redis://127.0.0.1:${port}`, 100);
  }
}
