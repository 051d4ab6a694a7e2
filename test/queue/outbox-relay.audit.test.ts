import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enqueueOutbox } from '../../src/db/queries/outbox.js';
import { rowsOf } from '../../src/db/rows.js';
import {
  outboxJobId as jobIdFor,
  type OutboxRelay,
  outboxStoreTag,
  startOutboxRelay,
} from '../../src/queue/outbox-relay.js';
import { createTestDeps, type TestDeps } from '../support/deps.js';
import { DisposableRedis, waitFor } from '../support/redis-server.js';

let redis: DisposableRedis;
let deps: TestDeps;
let store: string;
const outboxJobId = (rowId: number) => jobIdFor(rowId, store);

beforeAll(async () => {
  redis = await DisposableRedis.create();
  deps = await createTestDeps({ REDIS_URL: redis.url });
  store = await outboxStoreTag(deps.db);
});
afterAll(async () => {
  await deps.cleanup();
  await redis.stop();
});

const states = async (ids: number[]) =>
  rowsOf<{ id: number; state: string; last_error: string | null }>(
    await deps.db.execute(
      sql`select id, state, last_error from outbox where id in ${sql.raw(`(${ids.join(',')})`)} order by id`,
    ),
  );
const age = (ids: number[], seconds = 30) =>
  deps.db.execute(
    sql`update outbox set sent_at = now() - make_interval(secs => ${seconds}) where id in ${sql.raw(`(${ids.join(',')})`)}`,
  );

/**
 * A relay whose passes and audits run only when the test calls drainOnce/auditOnce (default grace
 * and window): its loop is stopped before its first pass, which would otherwise race the test's.
 */
async function withManualRelay(fn: (relay: OutboxRelay) => Promise<void>): Promise<void> {
  const relay = startOutboxRelay(deps.db, deps.queues, { pollMs: 60_000, log: deps.log });
  await relay.stop();
  // The producer connection fails fast: an add before it is up would be a failed relay pass.
  await deps.queues.triage.waitUntilReady();
  await fn(relay);
}

/** `n` triage rows written to the outbox and handed to Redis; their ids. */
async function relayedTriage(relay: OutboxRelay, n: number): Promise<number[]> {
  const ids: number[] = [];
  for (let i = 0; i < n; i++)
    ids.push(await enqueueOutbox(deps.db, 'triage', { ticketId: randomUUID() }));
  await relay.drainOnce();
  return ids;
}

describe('outbox audit', () => {
  it('verifies relayed jobs once durable, and relays again a job Redis lost', async () => {
    await withManualRelay(async (relay) => {
      const ids = await relayedTriage(relay, 3);
      expect((await states(ids)).map((r) => r.state)).toEqual(['sent', 'sent', 'sent']);

      // Too young: Redis may not have written them to disk yet, so they are not judged.
      expect(await relay.auditOnce()).toMatchObject({ verified: 0, requeued: 0 });

      // Redis lost the second job (a crash inside its fsync window, a failover).
      await deps.queues.triage.remove(outboxJobId(ids[1]!));
      expect(await deps.queues.triage.getJobState(outboxJobId(ids[1]!))).toBe('unknown');
      await age(ids);
      expect(await relay.auditOnce()).toMatchObject({ verified: 2, requeued: 1 });
      const after = await states(ids);
      expect(after.map((r) => r.state)).toEqual(['verified', 'pending', 'verified']);
      expect(after[1]!.last_error).toMatch(/missing from Redis/);

      // The relay hands it over again, under the same job id; the next audit verifies it.
      expect(await relay.drainOnce()).toBe(1);
      expect(await deps.queues.triage.getJobState(outboxJobId(ids[1]!))).toBe('waiting');
      await age(ids);
      expect(await relay.auditOnce()).toMatchObject({ verified: 1, requeued: 0 });
      expect((await states(ids)).map((r) => r.state)).toEqual(['verified', 'verified', 'verified']);
    });
  });

  it('judges nothing while Redis is unreachable, and relays again what an empty restart lost', async () => {
    await withManualRelay(async (relay) => {
      const [id] = (await relayedTriage(relay, 1)) as [number];
      await age([id]);
      await redis.stop();
      expect(await relay.auditOnce()).toMatchObject({ verified: 0, requeued: 0 });
      expect((await states([id]))[0]!.state).toBe('sent');
      // This Redis keeps nothing on disk: it comes back empty and the job is gone.
      await redis.start();
      await new Promise((r) => setTimeout(r, 500));
      expect(await relay.auditOnce()).toMatchObject({ verified: 0, requeued: 1 });
      expect(await relay.drainOnce()).toBe(1);
      expect(await deps.queues.triage.getJobState(outboxJobId(id))).toBe('waiting');
    });
  });

  it('leaves alone a row relayed too long ago: its finished job may have been trimmed', async () => {
    await withManualRelay(async (relay) => {
      const [id] = (await relayedTriage(relay, 1)) as [number];
      await deps.queues.triage.remove(outboxJobId(id));
      await age([id], 120);
      expect(await relay.auditOnce()).toMatchObject({ verified: 0, requeued: 0 });
      expect((await states([id]))[0]!.state).toBe('sent');
    });
  });

  it('runs by itself in the relay loop', async () => {
    const relay = startOutboxRelay(deps.db, deps.queues, {
      pollMs: 20,
      auditEveryMs: 50,
      auditGraceMs: 0,
      log: deps.log,
    });
    try {
      const id = await enqueueOutbox(deps.db, 'triage', { ticketId: randomUUID() });
      relay.kick();
      await waitFor(async () => (await states([id]))[0]!.state === 'verified', {
        what: 'the loop to audit the row',
        timeoutMs: 10_000,
      }).catch(() => {});
      expect((await states([id]))[0]!.state).toBe('verified');
    } finally {
      await relay.stop();
    }
  });
});
