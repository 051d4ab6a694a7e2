import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { rowsOf } from '../../../src/db/rows.js';
import { draftReply } from '../../../src/pipeline/draft/draft.js';
import { startOutboxRelay } from '../../../src/queue/outbox-relay.js';
import { fileTestDeps, importSampleKb } from '../../support/fixtures.js';
import { seedEmailTicket } from '../../support/tickets.js';

const deps = await fileTestDeps();
await importSampleKb(deps);

const slaRows = async () =>
  rowsOf<{ state: string }>(
    await deps.db.execute(sql`select state from outbox where job_name = 'sla' order by id`),
  ).map((r) => r.state);

describe("the draft's SLA job", () => {
  it('does not wake the outbox relay (a pass of its own per draft), and the next pass relays it', async () => {
    const relay = startOutboxRelay(deps.db, deps.queues, { pollMs: 60_000, log: deps.log });
    let wakes = 0;
    deps.notifyOutbox = () => {
      wakes++;
    };
    try {
      // Intake's triage row, relayed now: only the draft step's commit is watched below.
      const { ticketId } = await seedEmailTicket(deps.db);
      await relay.drainOnce();
      wakes = 0;
      const outcome = await draftReply(deps, { ticketId });
      expect(outcome.status).toBe('drafted');
      expect(wakes).toBe(0);
      expect(await slaRows()).toEqual(['pending']);
      // Taken along by the next pass (another commit's kick, or the relay's poll).
      expect(await relay.drainOnce()).toBe(1);
      expect(await slaRows()).toEqual(['sent']);
    } finally {
      deps.notifyOutbox = () => {};
      await relay.stop();
    }
  });
});
