import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { describe, expect, it, vi } from 'vitest';
import { databaseRoundTrips } from '../../src/db/client.js';
import { countPendingOutbox, enqueueOutbox } from '../../src/db/queries/outbox.js';
import { rowsOf } from '../../src/db/rows.js';
import { startOutboxRelay } from '../../src/queue/outbox-relay.js';
import { fileTestDeps } from '../support/fixtures.js';
import { waitFor } from '../support/redis-server.js';

const deps = await fileTestDeps();

describe('outbox relay under sustained intake', () => {
  it('relays a lone delivery at once, and batches what arrives within the pass interval', async () => {
    const minPassIntervalMs = 1_500;
    const batches: number[] = [];
    const addBulk = deps.queues.triage.addBulk.bind(deps.queues.triage);
    vi.spyOn(deps.queues.triage, 'addBulk').mockImplementation(async (jobs) => {
      batches.push(jobs.length);
      return addBulk(jobs);
    });
    // Only kicks drive it here: the poll interval is longer than the test.
    const relay = startOutboxRelay(deps.db, deps.queues, {
      pollMs: 60_000,
      minPassIntervalMs,
      log: deps.log,
    });
    const triage = () => enqueueOutbox(deps.db, 'triage', { ticketId: randomUUID() });
    try {
      // Let the boot pass (empty) age past the interval: the relay is idle.
      await new Promise((r) => setTimeout(r, minPassIntervalMs + 100));
      await triage();
      const kicked = Date.now();
      relay.kick();
      await waitFor(async () => (await countPendingOutbox(deps.db)) === 0, { what: 'lone row' });
      expect(Date.now() - kicked).toBeLessThan(minPassIntervalMs);
      const firstPassAround = Date.now();

      // Five deliveries right after a pass, each kicking: one pass, one batch, not five.
      for (let i = 0; i < 5; i++) {
        await triage();
        relay.kick();
      }
      await waitFor(async () => (await countPendingOutbox(deps.db)) === 0, {
        what: 'batched rows',
        timeoutMs: 10_000,
      });
      expect(Date.now() - firstPassAround).toBeGreaterThanOrEqual(minPassIntervalMs - 500);
      expect(batches).toEqual([1, 5]);
    } finally {
      await relay.stop();
      vi.restoreAllMocks();
    }
  }, 30_000);

  it('a pass is three statements: BEGIN, one claim that marks the rows sent, COMMIT', async () => {
    const relay = startOutboxRelay(deps.db, deps.queues, { pollMs: 60_000, log: deps.log });
    // No loop: only the passes below run. The loop's boot pass, still running when the rows were
    // written, could claim them first (the measured pass then found none: CI, 8 Dec 2026).
    await relay.stop();
    try {
      // A pass first (its store-tag read included), so only the measured pass counts.
      await relay.drainOnce();
      for (let i = 0; i < 3; i++)
        await enqueueOutbox(deps.db, 'triage', { ticketId: randomUUID() });
      const before = databaseRoundTrips();
      expect(await relay.drainOnce()).toBe(3);
      expect(databaseRoundTrips() - before).toBe(3);
      expect(await countPendingOutbox(deps.db)).toBe(0);
    } finally {
      await relay.stop();
    }
  });

  it('rows Redis refused go back to pending, due again after a backoff, tried once', async () => {
    const relay = startOutboxRelay(deps.db, deps.queues, { pollMs: 60_000, log: deps.log });
    vi.spyOn(deps.queues.triage, 'addBulk').mockRejectedValue(new Error('redis is down'));
    try {
      await relay.drainOnce();
      await enqueueOutbox(deps.db, 'triage', { ticketId: randomUUID() });
      expect(await relay.drainOnce()).toBe(0);
      const rows = rowsOf<{ state: string; attempts: number; sent_at: Date | null; due: boolean }>(
        await deps.db.execute(sql`select state, attempts, sent_at, available_at <= now() as due
          from outbox order by id desc limit 1`),
      );
      expect(rows).toEqual([{ state: 'pending', attempts: 1, sent_at: null, due: false }]);
      // Not due yet: the next pass claims nothing.
      expect(await relay.drainOnce()).toBe(0);
    } finally {
      vi.restoreAllMocks();
      await relay.stop();
    }
  });
});
