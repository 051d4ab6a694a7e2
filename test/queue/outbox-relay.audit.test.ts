import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { enqueueOutbox } from '../../src/db/queries/outbox.js';
import { rowsOf } from '../../src/db/rows.js';
import { outboxJobId, startOutboxRelay } from '../../src/queue/outbox-relay.js';
import { createTestDeps, type TestDeps } from '../support/deps.js';
import { DisposableRedis } from '../support/redis-server.js';

let redis: DisposableRedis;
let deps: TestDeps;

beforeAll(async () => {
  redis = await DisposableRedis.create();
  deps = await createTestDeps({ REDIS_URL: redis.url });
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

describe('outbox audit', () => {
  it('verifies relayed jobs once durable, and relays again a job Redis lost', async () => {
    // Audits run only when called here (auditEveryMs 0); the default grace applies.
    const relay = startOutboxRelay(deps.db, deps.queues, {
      pollMs: 60_000,
      auditEveryMs: 0,
      log: deps.log,
    });
    try {
      const ids: number[] = [];
      for (let i = 0; i < 3; i++)
        ids.push(await enqueueOutbox(deps.db, 'triage', { ticketId: randomUUID() }));
      await relay.drainOnce();
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
    } finally {
      await relay.stop();
    }
  });

  it('judges nothing while Redis is unreachable, and relays again what an empty restart lost', async () => {
    const relay = startOutboxRelay(deps.db, deps.queues, {
      pollMs: 60_000,
      auditEveryMs: 0,
      log: deps.log,
    });
    try {
      const id = await enqueueOutbox(deps.db, 'triage', { ticketId: randomUUID() });
      await relay.drainOnce();
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
    } finally {
      await relay.stop();
    }
  });

  it('leaves alone a row relayed too long ago: its finished job may have been trimmed', async () => {
    const relay = startOutboxRelay(deps.db, deps.queues, {
      pollMs: 60_000,
      auditEveryMs: 0,
      log: deps.log,
    });
    try {
      const id = await enqueueOutbox(deps.db, 'triage', { ticketId: randomUUID() });
      await relay.drainOnce();
      await deps.queues.triage.remove(outboxJobId(id));
      await age([id], 120);
      expect(await relay.auditOnce()).toMatchObject({ verified: 0, requeued: 0 });
      expect((await states([id]))[0]!.state).toBe('sent');
    } finally {
      await relay.stop();
    }
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
      const deadline = Date.now() + 10_000;
      while ((await states([id]))[0]!.state !== 'verified' && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 50));
      }
      expect((await states([id]))[0]!.state).toBe('verified');
    } finally {
      await relay.stop();
    }
  });
});
