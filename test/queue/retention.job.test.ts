import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { rowsOf } from '../../src/db/rows.js';
import { parseJobPayload } from '../../src/jobs/payloads.js';
import { RETENTION_SCHEDULER_ID, scheduleRetention } from '../../src/queue/schedules.js';
import { startWorkers } from '../../src/queue/workers.js';
import { fileTestDeps } from '../support/fixtures.js';
import { seedEmailTicket } from '../support/tickets.js';

const deps = await fileTestDeps({ RETENTION_TICKETS_DAYS: '30', RETENTION_SCHEDULE: '15 4 * * *' });

describe('retention job', () => {
  it('is a repeatable job on the configured schedule, removed again when retention is off', async () => {
    await scheduleRetention(deps);
    // Twice: every worker replica registers it at boot, and it stays one schedule.
    await scheduleRetention(deps);
    const schedulers = await deps.queues.retention.getJobSchedulers();
    expect(schedulers).toHaveLength(1);
    expect(schedulers[0]).toMatchObject({ key: RETENTION_SCHEDULER_ID, pattern: '15 4 * * *' });

    const off = { ...deps, config: { ...deps.config, RETENTION_TICKETS_DAYS: 0 } };
    await scheduleRetention(off);
    expect(await deps.queues.retention.getJobSchedulers()).toHaveLength(0);
  });

  it('parses its payload and runs a retention pass, recorded as the system', async () => {
    expect(() => parseJobPayload('retention', { dryRun: 'yes' })).toThrow();
    const { ticketId } = await seedEmailTicket(deps.db);
    await deps.db.execute(sql`update tickets set status = 'closed',
        updated_at = now() - interval '40 days' where id = ${ticketId}`);
    await deps.db.execute(sql`update messages set created_at = now() - interval '40 days'
        where ticket_id = ${ticketId}`);
    await deps.db.execute(sql`update ticket_events set created_at = now() - interval '40 days'
        where ticket_id = ${ticketId}`);

    const workers = startWorkers(deps, { only: ['retention'] });
    try {
      const { QueueEvents } = await import('bullmq');
      const events = new QueueEvents('retention', {
        connection: { url: deps.config.REDIS_URL },
        prefix: deps.config.QUEUE_PREFIX,
      });
      try {
        // Listening before the job exists: a fast run would otherwise finish unseen.
        await events.waitUntilReady();
        const job = await deps.queues.retention.add('retention', parseJobPayload('retention', {}));
        const report = (await job.waitUntilFinished(events, 30_000)) as {
          tickets: { tickets: number };
        };
        expect(report.tickets.tickets).toBe(1);
      } finally {
        await events.close();
      }
    } finally {
      await workers.close();
    }
    const tickets = rowsOf<{ n: number }>(
      await deps.db.execute(sql`select count(*)::int as n from tickets where id = ${ticketId}`),
    );
    expect(tickets[0]!.n).toBe(0);
    const audit = rowsOf<{ actor_kind: string; actor_id: string }>(
      await deps.db.execute(
        sql`select actor_kind, actor_id from audit_log where action = 'retention_run'`,
      ),
    );
    expect(audit).toHaveLength(1);
    expect(audit[0]!.actor_kind).toBe('system');
  }, 60_000);
});
