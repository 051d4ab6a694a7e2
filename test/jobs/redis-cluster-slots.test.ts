import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorkerConnection, type RedisConnection } from '../../src/jobs/redis.js';
import { DisposableRedisCluster } from '../support/redis-cluster.js';

/** Holds this process's event loop, as a starved process on a loaded machine does. */
const stall = (ms: number) => {
  const until = Date.now() + ms;
  while (Date.now() < until) {}
};

describe('a cluster connection in a busy process', () => {
  let cluster: DisposableRedisCluster;
  let connection: RedisConnection | undefined;

  beforeAll(async () => {
    cluster = await DisposableRedisCluster.start(3);
  }, 60_000);
  afterAll(async () => {
    connection?.disconnect();
    await cluster?.stop();
  });

  it('does not give up on a node whose CLUSTER SLOTS reply is late because the process was busy', async () => {
    const conn = createWorkerConnection({
      url: `redis://127.0.0.1:${cluster.ports[0]}`,
      cluster: true,
    });
    connection = conn;
    const nodeErrors: string[] = [];
    conn.on('node error', (err: Error) => nodeErrors.push(err.message));
    conn.on('error', () => {});
    // The first node joins the pool, then CLUSTER SLOTS is sent to it in the same tick: stall the
    // event loop for 1.5 s right after (ioredis's default refresh timeout is 1 s).
    conn.once('+node', () => setImmediate(() => stall(1_500)));
    await new Promise<void>((resolve, reject) => {
      conn.once('ready', () => resolve());
      setTimeout(() => reject(new Error(`not ready: ${conn.status}`)), 20_000);
    });
    expect(nodeErrors).toEqual([]);
    expect(await conn.set('{slots}:probe', '1')).toBe('OK');
  }, 30_000);
});
