import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { countPendingOutbox } from '../../src/db/queries/outbox.js';
import { rowsOf } from '../../src/db/rows.js';
import { startOutboxRelay } from '../../src/queue/outbox-relay.js';
import { startWorkers } from '../../src/queue/workers.js';
import { createTestDeps, type TestDeps } from '../support/deps.js';
import { DisposableRedis, waitFor } from '../support/redis-server.js';
import { signedZendeskRequest, zendeskTicketCreated } from '../support/zendesk.js';

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

async function triagedCounts() {
  return rowsOf<{ ticket_id: string; n: number }>(
    await deps.db.execute(
      sql`select ticket_id, count(*)::int as n from ticket_events where type = 'triaged' group by ticket_id`,
    ),
  );
}

describe('outbox relay and triage worker', () => {
  it('delivers webhook work to the triage worker end to end, and survives Redis going away', async () => {
    const relay = startOutboxRelay(deps.db, deps.queues, { pollMs: 50, log: deps.log });
    deps.notifyOutbox = () => relay.kick();
    const workers = startWorkers(deps, { only: ['triage'] });
    const app = createApp(deps);
    try {
      const first = await app.request(
        '/webhooks/zendesk',
        signedZendeskRequest(zendeskTicketCreated('1')),
      );
      expect(first.status).toBe(202);
      await waitFor(async () => (await triagedCounts()).length === 1, {
        what: 'first triage',
        timeoutMs: 45_000,
      });

      await redis.stop();
      const during = await Promise.all(
        ['2', '3', '4', '5', '6'].map((id) =>
          app.request('/webhooks/zendesk', signedZendeskRequest(zendeskTicketCreated(id))),
        ),
      );
      // Intake does not depend on Redis: the outbox holds the work.
      expect(during.map((r) => r.status)).toEqual([202, 202, 202, 202, 202]);
      await new Promise((r) => setTimeout(r, 300));
      const pendingTriage = rowsOf<{ n: number }>(
        await deps.db.execute(
          sql`select count(*)::int as n from outbox where state = 'pending' and job_name = 'triage'`,
        ),
      );
      expect(pendingTriage[0]!.n).toBe(5);

      await redis.start();
      await waitFor(async () => (await triagedCounts()).length === 6, {
        what: 'all six triaged',
        timeoutMs: 45_000,
      });
      // Triage itself writes follow-up rows (draft, write-back); the relay drains those too.
      await waitFor(async () => (await countPendingOutbox(deps.db)) === 0, {
        what: 'outbox drained',
        timeoutMs: 30_000,
      });
      // Exactly once per ticket, even though the relay retried while Redis was down.
      await new Promise((r) => setTimeout(r, 300));
      expect((await triagedCounts()).every((row) => row.n === 1)).toBe(true);
    } finally {
      await workers.close();
      await relay.stop();
    }
  }, 120_000);

  it('re-enqueueing an outbox row that was already sent does not run the job twice', async () => {
    const relay = startOutboxRelay(deps.db, deps.queues, { pollMs: 50, log: deps.log });
    const workers = startWorkers(deps, { only: ['triage'] });
    try {
      const app = createApp(deps);
      deps.notifyOutbox = () => relay.kick();
      await app.request('/webhooks/zendesk', signedZendeskRequest(zendeskTicketCreated('77')));
      await waitFor(async () => (await triagedCounts()).length === 7, {
        what: 'triage of 77',
        timeoutMs: 30_000,
      });
      // Simulate a relay that crashed after addBulk but before marking the row sent.
      await deps.db.execute(
        sql`update outbox set state = 'pending' where id = (select max(id) from outbox)`,
      );
      relay.kick();
      await waitFor(async () => (await countPendingOutbox(deps.db)) === 0, { what: 'relay pass' });
      await new Promise((r) => setTimeout(r, 500));
      expect((await triagedCounts()).every((row) => row.n === 1)).toBe(true);
    } finally {
      await workers.close();
      await relay.stop();
    }
  }, 60_000);
});
