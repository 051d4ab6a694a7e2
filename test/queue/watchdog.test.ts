import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { watchdogVerdict } from '../../src/queue/watchdog.js';
import { startWorkers, type WorkerPool } from '../../src/queue/workers.js';
import { TcpProxy } from '../faults/support/tcp-proxy.js';
import { createTestDeps, TEST_REDIS_URL, type TestDeps } from '../support/deps.js';
import { waitFor } from '../support/redis-server.js';

describe('watchdogVerdict', () => {
  const look = { waiting: 3, paused: false, running: 0, concurrency: 4, started: 0 };

  it('restarts a worker that took nothing while jobs waited, once it has been so for stallMs', () => {
    const first = watchdogVerdict(null, look, 1_000, 5_000);
    expect(first).toEqual({ stuckSince: 1_000, restart: false });
    expect(watchdogVerdict(first.stuckSince, look, 5_999, 5_000).restart).toBe(false);
    expect(watchdogVerdict(first.stuckSince, look, 6_000, 5_000)).toEqual({
      stuckSince: 1_000,
      restart: true,
    });
  });

  it('leaves alone an idle queue, a paused worker, a full one, and one that started a job', () => {
    for (const other of [{ waiting: 0 }, { paused: true }, { running: 4 }, { started: 1 }]) {
      expect(watchdogVerdict(1_000, { ...look, ...other }, 60_000, 5_000)).toEqual({
        stuckSince: null,
        restart: false,
      });
    }
  });

  it('keeps its clock when Redis did not answer (no evidence either way)', () => {
    expect(watchdogVerdict(1_000, { ...look, waiting: null }, 60_000, 5_000)).toEqual({
      stuckSince: 1_000,
      restart: false,
    });
  });
});

/**
 * The real thing: a worker whose Redis connections go half-open (a proxy stops forwarding on the
 * open sockets but accepts new ones) waits forever on its blocking fetch; the watchdog replaces it.
 */
describe('worker watchdog (real Redis behind a proxy)', () => {
  let proxy: TcpProxy | undefined;
  let deps: TestDeps | undefined;
  let pool: WorkerPool | undefined;
  let direct: Redis | undefined;
  let queue: Queue | undefined;

  afterEach(async () => {
    // The proxy first: its reset ends what waits on the silent sockets (QUIT included).
    await proxy?.close();
    await pool?.close(500);
    await queue?.close();
    direct?.disconnect();
    await deps?.cleanup();
  });

  async function world(watchdogSeconds: string) {
    const redis = new URL(TEST_REDIS_URL);
    proxy = await TcpProxy.start({ host: redis.hostname, port: Number(redis.port || 6379) });
    deps = await createTestDeps({
      REDIS_URL: `redis://127.0.0.1:${proxy.port}`,
      WORKER_WATCHDOG_SECONDS: watchdogSeconds,
    });
    const processed: string[] = [];
    pool = startWorkers(deps, {
      only: ['retention'],
      processors: {
        retention: async (_deps, _payload, job) => {
          processed.push(String(job.id));
        },
      },
    });
    // Jobs are added past the proxy, as another process on a healthy connection would.
    direct = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: null });
    queue = new Queue('retention', { connection: direct, prefix: deps.config.QUEUE_PREFIX });
    await queue.add('retention', {}, { jobId: 'before' });
    await waitFor(async () => processed.includes('before') || null, {
      what: 'the first job',
      timeoutMs: 10_000,
    });
    proxy.blackhole();
    await queue.add('retention', {}, { jobId: 'after' });
    return { processed, deps };
  }

  it('without it, a worker on a half-open connection takes no job (what the watchdog is for)', async () => {
    const { processed } = await world('0');
    await new Promise((r) => setTimeout(r, 6_000));
    expect(processed).toEqual(['before']);
    expect(await queue!.getWaitingCount()).toBe(1);
  }, 30_000);

  it('replaces the stuck worker on new connections, and the waiting job runs', async () => {
    const { processed, deps: d } = await world('2');
    await waitFor(async () => processed.includes('after') || null, {
      what: 'the job after the blackhole',
      timeoutMs: 15_000,
    });
    const restarts = await d.observability.registry
      .getSingleMetric('deskpilot_worker_restarts_total')!
      .get();
    expect(restarts.values).toEqual([
      expect.objectContaining({ labels: { queue: 'retention' }, value: 1 }),
    ]);
    expect(processed).toEqual(['before', 'after']);
  }, 30_000);
});
