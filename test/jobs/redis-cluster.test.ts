import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kbImport } from '../../src/cli/commands/kb-import.js';
import { ConfigError } from '../../src/config/index.js';
import { latestDraftForTicket } from '../../src/db/queries/drafts.js';
import type { LiveEvent } from '../../src/live/events.js';
import { triageTicket } from '../../src/pipeline/triage/triage.js';
import { type OutboxRelay, startOutboxRelay } from '../../src/queue/outbox-relay.js';
import { startWorkers, type WorkerPool } from '../../src/queue/workers.js';
import { createTestDeps, type TestDeps, testConfig } from '../support/deps.js';
import { SAMPLE_KB } from '../support/fixtures.js';
import { DisposableRedisCluster } from '../support/redis-cluster.js';
import { waitFor } from '../support/redis-server.js';
import { seedEmailTicket } from '../support/tickets.js';

describe('REDIS_CLUSTER configuration', () => {
  it('refuses a queue prefix without a hash tag, naming the fix', () => {
    expect(() => testConfig({ REDIS_CLUSTER: 'true', QUEUE_PREFIX: 'deskpilot' })).toThrow(
      ConfigError,
    );
    expect(() => testConfig({ REDIS_CLUSTER: 'true', QUEUE_PREFIX: 'deskpilot' })).toThrow(
      /QUEUE_PREFIX=\{deskpilot\}/,
    );
    expect(testConfig({ REDIS_CLUSTER: 'true', QUEUE_PREFIX: '{deskpilot}' }).REDIS_CLUSTER).toBe(
      true,
    );
  });
});

/**
 * The pipeline on a real three-master Redis Cluster: BullMQ queues and workers, the outbox relay
 * and live events all through cluster connections; a crashed master that comes back (with its
 * append-only file) is picked up again without losing the queue.
 */
describe('on a Redis Cluster', () => {
  let cluster: DisposableRedisCluster;
  let deps: TestDeps;
  let relay: OutboxRelay;
  let workers: WorkerPool;
  const prefix = `{dpt-${randomBytes(4).toString('hex')}}`;

  beforeAll(async () => {
    cluster = await DisposableRedisCluster.start(3);
    // The seed is a master that does NOT hold the prefix's slot: a plain (non-cluster) client
    // would be answered MOVED for every queue key.
    const owner = await cluster.masterOf(`${prefix}:draft:meta`);
    const seed = cluster.ports.find((port) => port !== owner)!;
    deps = await createTestDeps({
      REDIS_URL: `redis://127.0.0.1:${seed}`,
      REDIS_CLUSTER: 'true',
      QUEUE_PREFIX: prefix,
      ZENDESK_WRITEBACK: 'false',
    });
    await kbImport(deps.db, SAMPLE_KB);
    relay = startOutboxRelay(deps.db, deps.queues, { pollMs: 50, log: deps.log });
    deps.notifyOutbox = () => relay.kick();
    workers = startWorkers(deps);
  }, 60_000);
  afterAll(async () => {
    await workers?.close(2_000);
    await relay?.stop();
    await deps?.cleanup();
    await cluster?.stop();
  });

  const drafted = (ticketId: string) =>
    waitFor(async () => latestDraftForTicket(deps.db, ticketId), {
      what: 'a draft written through the cluster queues',
      timeoutMs: 40_000,
    });

  it('triages and drafts through queues on the cluster, all keys of the prefix in one slot', async () => {
    const { ticketId } = await seedEmailTicket(deps.db, { from: 'cluster@example.net' });
    await triageTicket(deps, { ticketId });
    const draft = await drafted(ticketId);
    expect(draft.status).toBe('pending_approval');
    const counts = await deps.queues.draft.getJobCounts('completed');
    expect(counts.completed).toBeGreaterThanOrEqual(1);
    // Every queue key hashes to the master that serves the prefix's tag.
    const owner = await cluster.masterOf(`${prefix}:draft:meta`);
    expect(await cluster.masterOf(`${prefix}:triage:id`)).toBe(owner);
  }, 60_000);

  it('carries live events between connections of the cluster', async () => {
    const heard: LiveEvent[] = [];
    const unsubscribe = deps.live.subscribe((e) => heard.push(e));
    const event: LiveEvent = {
      type: 'draft.created',
      draftId: '00000000-0000-4000-8000-000000000001',
      ticketId: '00000000-0000-4000-8000-000000000002',
    };
    try {
      await waitFor(
        async () => {
          await deps.live.publish(event);
          return heard.length > 0 || null;
        },
        { what: 'the event back from the cluster', timeoutMs: 10_000, intervalMs: 200 },
      );
      expect(heard[0]).toEqual(event);
    } finally {
      unsubscribe();
    }
  }, 30_000);

  it('a master SIGKILLed and restarted: queued work goes on, nothing lost', async () => {
    const owner = await cluster.masterOf(`${prefix}:draft:meta`);
    await cluster.kill(owner);
    // Written while the master is down: the outbox holds the jobs until Redis is back.
    const { ticketId } = await seedEmailTicket(deps.db, { from: 'failover@example.net' });
    await triageTicket(deps, { ticketId });
    await new Promise((r) => setTimeout(r, 1_000));
    await cluster.restart(owner);
    const draft = await drafted(ticketId);
    expect(draft.status).toBe('pending_approval');
  }, 90_000);
});
