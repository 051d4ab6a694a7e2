import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { rowsOf } from '../../src/db/rows.js';
import { parseJobPayload } from '../../src/jobs/payloads.js';
import { AUTO_SOLVE_SCHEDULER_ID, scheduleAutoSolve } from '../../src/queue/schedules.js';
import { startWorkers } from '../../src/queue/workers.js';
import { fileTestDeps } from '../support/fixtures.js';
import { seedEmailTicket } from '../support/tickets.js';

const deps = await fileTestDeps({ AUTO_SOLVE_DAYS: '3' });

describe('auto-solve job (AUTO_SOLVE_DAYS)', () => {
  it('is one hourly repeatable job while AUTO_SOLVE_DAYS is above 0, removed at 0', async () => {
    const queue = deps.queues['auto-solve'];
    // Twice: every worker replica registers it at boot, and it stays one schedule.
    await scheduleAutoSolve(deps);
    await scheduleAutoSolve(deps);
    const schedulers = await queue.getJobSchedulers();
    expect(schedulers).toHaveLength(1);
    expect(schedulers[0]).toMatchObject({ key: AUTO_SOLVE_SCHEDULER_ID, pattern: '17 * * * *' });
    await scheduleAutoSolve({ ...deps, config: { ...deps.config, AUTO_SOLVE_DAYS: 0 } });
    expect(await queue.getJobSchedulers()).toHaveLength(0);
  });

  it('a pass solves email tickets our reply left waiting past the days, dated when the wait ran out', async () => {
    const waiting = await seedEmailTicket(deps.db, { from: 'waiting@example.net' });
    const answered = await seedEmailTicket(deps.db, { from: 'answered@example.net' });
    const recent = await seedEmailTicket(deps.db, { from: 'recent@example.net' });
    const outOfOffice = await seedEmailTicket(deps.db, { from: 'away@example.net' });
    // The customers wrote five days ago.
    await deps.db.execute(sql`update messages set created_at = now() - interval '5 days'
      where ticket_id in (${waiting.ticketId}, ${answered.ticketId}, ${recent.ticketId},
        ${outOfOffice.ticketId})`);
    const reply = (ticketId: string, daysAgo: number) =>
      deps.db.execute(sql`insert into messages (ticket_id, direction, author_kind, body_text,
          public, created_at)
        values (${ticketId}, 'outbound', 'agent', 'Does this help?', true,
          date_trunc('second', now()) - make_interval(days => ${daysAgo}))`);
    await reply(waiting.ticketId, 4);
    await reply(answered.ticketId, 4);
    // The customer answered after our reply: the ticket waits on us.
    await deps.db.execute(sql`insert into messages (ticket_id, direction, author_kind, body_text,
        public, created_at)
      values (${answered.ticketId}, 'inbound', 'customer', 'No, it does not', true,
        now() - interval '2 days')`);
    await reply(recent.ticketId, 1);
    // An out-of-office answer to our reply, as intake records automated mail: not the customer.
    await reply(outOfOffice.ticketId, 4);
    await deps.db.execute(sql`with m as (
        insert into messages (ticket_id, direction, author_kind, body_text, public, created_at)
        values (${outOfOffice.ticketId}, 'inbound', 'customer', 'I am out of the office', true,
          now() - interval '4 days' + interval '1 minute')
        returning id, ticket_id, created_at)
      insert into ticket_events (ticket_id, type, actor_kind, data, created_at)
      select m.ticket_id, 'message_received', 'customer', jsonb_build_object('messageId', m.id,
          'public', true, 'automated', true), m.created_at
      from m`);
    await deps.db.execute(sql`update tickets set status = 'pending'
      where id in (${waiting.ticketId}, ${answered.ticketId}, ${recent.ticketId},
        ${outOfOffice.ticketId})`);

    const workers = startWorkers(deps, { only: ['auto-solve'] });
    try {
      const { QueueEvents } = await import('bullmq');
      const events = new QueueEvents('auto-solve', {
        connection: { url: deps.config.REDIS_URL },
        prefix: deps.config.QUEUE_PREFIX,
      });
      try {
        await events.waitUntilReady();
        const job = await deps.queues['auto-solve'].add(
          'auto-solve',
          parseJobPayload('auto-solve', {}),
        );
        expect(await job.waitUntilFinished(events, 30_000)).toEqual({ solved: 2 });
      } finally {
        await events.close();
      }
    } finally {
      await workers.close();
    }
    const status = rowsOf<{ id: string; status: string }>(
      await deps.db.execute(sql`select id, status from tickets
        where id in (${waiting.ticketId}, ${answered.ticketId}, ${recent.ticketId},
          ${outOfOffice.ticketId})`),
    );
    expect(Object.fromEntries(status.map((r) => [r.id, r.status]))).toEqual({
      [waiting.ticketId]: 'solved',
      [answered.ticketId]: 'pending',
      [recent.ticketId]: 'pending',
      [outOfOffice.ticketId]: 'solved',
    });
    const [solve] = rowsOf<{ gap: number; actor_kind: string }>(
      await deps.db.execute(sql`select extract(epoch from e.created_at - m.created_at)::float8 as gap,
          e.actor_kind
        from ticket_events e join messages m on m.ticket_id = e.ticket_id
          and m.direction = 'outbound'
        where e.ticket_id = ${waiting.ticketId} and e.type = 'solved'`),
    );
    // Reply + 3 days, not the moment the job ran (a day later).
    expect(solve).toEqual({ gap: 3 * 86_400, actor_kind: 'system' });
  }, 60_000);
});
