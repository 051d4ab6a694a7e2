import { randomUUID } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import { countPendingOutbox, enqueueOutbox } from '../../src/db/queries/outbox.js';
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
});
