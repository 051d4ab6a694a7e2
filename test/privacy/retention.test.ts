import { sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { enqueueOutbox } from '../../src/db/queries/outbox.js';
import { recordTicketEvent } from '../../src/db/queries/tickets.js';
import { rowsOf } from '../../src/db/rows.js';
import { refreshTicketMetrics } from '../../src/metrics/index.js';
import { triageTicket } from '../../src/pipeline/triage/triage.js';
import {
  type RetentionPolicy,
  type RetentionReport,
  runRetention,
} from '../../src/privacy/retention.js';
import { fileTestDeps } from '../support/fixtures.js';
import { seedEmailTicket } from '../support/tickets.js';

const deps = await fileTestDeps();

const DAY = 86_400_000;
const now = new Date();
const daysAgo = (days: number) => new Date(now.getTime() - days * DAY).toISOString();

const policy: RetentionPolicy = {
  ticketsDays: 365,
  ticketContentDays: 90,
  aiInteractionsDays: 200,
  inboxEventsDays: 30,
  outboxDays: 7,
  // Batches of one: every multi-batch path runs.
  batchSize: 1,
};

async function q<T = Record<string, unknown>>(query: ReturnType<typeof sql>): Promise<T[]> {
  return rowsOf<T>(await deps.db.execute(query));
}
const n = async (query: ReturnType<typeof sql>) => (await q<{ n: number }>(query))[0]!.n;

/** Moves everything a ticket has into the past, as if it had happened `days` ago. */
async function backdate(ticketId: string, days: number) {
  const at = daysAgo(days);
  await deps.db.execute(sql`
    with t as (update tickets set created_at = ${at}::timestamptz, updated_at = ${at}::timestamptz
                where id = ${ticketId} returning 1),
         m as (update messages set created_at = ${at}::timestamptz
                where ticket_id = ${ticketId} returning 1),
         e as (update ticket_events set created_at = ${at}::timestamptz
                where ticket_id = ${ticketId} returning 1),
         i as (update inbox_events set received_at = ${at}::timestamptz
                where ticket_id = ${ticketId} returning 1),
         a as (update ai_interactions set created_at = ${at}::timestamptz
                where ticket_id = ${ticketId} returning 1),
         d as (update drafts set created_at = ${at}::timestamptz, updated_at = ${at}::timestamptz
                where ticket_id = ${ticketId} returning 1),
         o as (update outbox set created_at = ${at}::timestamptz, available_at = ${at}::timestamptz
                where payload->>'ticketId' = ${ticketId} returning 1)
    select 1`);
}

async function setStatus(ticketId: string, status: string) {
  await deps.db.execute(
    sql`update tickets set status = ${status}, updated_at = updated_at where id = ${ticketId}`,
  );
}

/** A decided draft with its delivery, the review events, and a pending SLA timer. */
async function addDraft(
  ticketId: string,
  opts: { delivery: 'sent' | 'pending'; rejectReason?: string; days: number },
) {
  const [draft] = await q<{ id: string }>(sql`
    insert into drafts (ticket_id, version, status, kind, body_text, model, final_text,
                        reject_reason, created_at, updated_at)
    values (${ticketId}, 1, ${opts.rejectReason ? 'rejected' : 'sent'}, 'extractive',
            'Hi Robin, reset your password at https://example.com/reset',
            'extractive-v1', 'Hi Robin, here is the link.', ${opts.rejectReason ?? null},
            ${daysAgo(opts.days)}::timestamptz, ${daysAgo(opts.days)}::timestamptz)
    returning id`);
  const [delivery] = await q<{ id: string }>(sql`
    insert into deliveries (draft_id, ticket_id, channel, state, recipient, last_error)
    values (${draft!.id}, ${ticketId}, 'email', ${opts.delivery}, 'robin@example.net',
            'mailbox robin@example.net full')
    returning id`);
  await recordTicketEvent(deps.db, {
    ticketId,
    type: opts.rejectReason ? 'rejected' : 'approved',
    actorKind: 'agent',
    actorId: 'agent-1',
    data: { draftId: draft!.id, version: 1, reason: opts.rejectReason },
  });
  await enqueueOutbox(deps.db, 'sla', { draftId: draft!.id });
  await enqueueOutbox(deps.db, 'deliver', { deliveryId: delivery!.id });
  await deps.db.execute(sql`update ticket_events set created_at = ${daysAgo(opts.days)}::timestamptz
    where ticket_id = ${ticketId}`);
  return { draftId: draft!.id, deliveryId: delivery!.id };
}

async function snapshot() {
  return q(sql`select
    (select count(*) from tickets)::int as tickets,
    (select count(*) from messages)::int as messages,
    (select count(*) from ticket_events)::int as events,
    (select count(*) from drafts)::int as drafts,
    (select count(*) from deliveries)::int as deliveries,
    (select count(*) from ai_interactions)::int as ai,
    (select count(*) from training_examples where ticket_id is not null)::int as labels,
    (select count(*) from inbox_events)::int as inbox,
    (select count(*) from outbox)::int as outbox,
    (select count(*) from webhook_nonces)::int as nonces,
    (select string_agg(body_text, '|' order by id) from messages) as bodies,
    (select string_agg(subject, '|' order by id) from tickets) as subjects`);
}

describe('retention', () => {
  const t: Record<string, string> = {};
  let first: RetentionReport;
  /** Pending jobs that name ticket A, its draft or its delivery. */
  let aJobs = 0;
  let dMetricsBefore: unknown[] = [];
  /** The ticket's metric facts, recomputed from its rows now. */
  const metricsOf = async (ticketId: string) => {
    await refreshTicketMetrics(deps.db, deps.config, { ticketIds: [ticketId] });
    const rows = await q(sql`select * from ticket_metrics where ticket_id = ${ticketId}`);
    return rows.map(({ refreshed_at: _, last_event_id: __, ...facts }) => facts);
  };

  beforeAll(async () => {
    // A: solved 400 days ago, with triage, a sent draft, a label and leftover jobs → deleted.
    t.a = (
      await seedEmailTicket(deps.db, { subject: 'Old refund', from: 'a@example.net' })
    ).ticketId;
    await triageTicket(deps, { ticketId: t.a });
    const a = await addDraft(t.a, { delivery: 'sent', days: 400 });
    t.aDraft = a.draftId;
    t.aDelivery = a.deliveryId;
    await deps.db.execute(sql`insert into training_examples (text, label, source, ticket_id)
      values ('refund please [EMAIL_1]', 'billing', 'correction', ${t.a})`);
    await enqueueOutbox(deps.db, 'zendesk-writeback', { ticketId: t.a });
    aJobs = await n(sql`select count(*)::int as n from outbox where state = 'pending' and (
      payload->>'ticketId' = ${t.a} or payload->>'draftId' = ${a.draftId}
      or payload->>'deliveryId' = ${a.deliveryId})`);
    await backdate(t.a, 400);
    await setStatus(t.a, 'solved');
    // B: closed long ago, but the customer wrote again 10 days ago → kept whole.
    t.b = (
      await seedEmailTicket(deps.db, { subject: 'Back again', from: 'b@example.net' })
    ).ticketId;
    await backdate(t.b, 400);
    await deps.db.execute(sql`insert into messages (ticket_id, direction, author_kind, body_text,
      created_at) values (${t.b}, 'inbound', 'customer', 'still broken', ${daysAgo(10)}::timestamptz)`);
    await setStatus(t.b, 'closed');
    // C: still open after 400 days → kept whole (its old model calls still expire).
    t.c = (
      await seedEmailTicket(deps.db, { subject: 'Never closed', from: 'c@example.net' })
    ).ticketId;
    await triageTicket(deps, { ticketId: t.c });
    await backdate(t.c, 400);
    await setStatus(t.c, 'open');
    // D: solved 100 days ago → anonymised, skeleton and metrics kept.
    t.d = (
      await seedEmailTicket(deps.db, {
        subject: 'Card charged twice',
        from: 'dana@example.net',
        name: 'Dana Example',
        body: 'My card 4111 1111 1111 1111 was charged twice, call me on +44 20 7946 0958',
      })
    ).ticketId;
    await addDraft(t.d, {
      delivery: 'sent',
      rejectReason: 'Dana asked for a call, not an email',
      days: 100,
    });
    await deps.db.execute(sql`insert into ai_interactions (ticket_id, step, model, output, latency_ms)
      values (${t.d}, 'triage.llm', 'tiny', '"Dana says her card was charged twice"'::jsonb, 5)`);
    await backdate(t.d, 100);
    await setStatus(t.d, 'solved');
    // E: solved long ago but a reply is still waiting to be delivered → left for a later run.
    t.e = (
      await seedEmailTicket(deps.db, { subject: 'Stuck reply', from: 'e@example.net' })
    ).ticketId;
    await addDraft(t.e, { delivery: 'pending', days: 400 });
    await backdate(t.e, 400);
    await setStatus(t.e, 'solved');
    // F: solved last month → untouched.
    t.f = (await seedEmailTicket(deps.db, { subject: 'Recent', from: 'f@example.net' })).ticketId;
    await backdate(t.f, 30);
    await setStatus(t.f, 'solved');
    // Housekeeping rows: a sent and a pending outbox row from last month, an expired nonce.
    await deps.db.execute(sql`insert into outbox (job_name, payload, state, created_at, available_at)
      values ('retrain', '{"reason":"manual"}', 'sent', ${daysAgo(20)}::timestamptz, ${daysAgo(20)}::timestamptz),
             ('retrain', '{"reason":"manual"}', 'pending', ${daysAgo(20)}::timestamptz, ${daysAgo(20)}::timestamptz)`);
    dMetricsBefore = await metricsOf(t.d);
    await deps.db.execute(sql`insert into webhook_nonces (source, nonce, expires_at)
      values ('mailgun', 'old', ${daysAgo(1)}::timestamptz), ('mailgun', 'live', ${daysAgo(-1)}::timestamptz)`);
  }, 60_000);

  it('a dry run reports what would go and changes nothing', async () => {
    const before = await snapshot();
    const dry = await runRetention(deps.db, policy, {
      now,
      dryRun: true,
      actor: { kind: 'cli' },
    });
    expect(await snapshot()).toEqual(before);
    expect(dry.dryRun).toBe(true);
    expect(dry.tickets).toMatchObject({
      tickets: 1,
      drafts: 1,
      deliveries: 1,
      trainingExamples: 1,
    });
    expect(dry.ticketContent).toMatchObject({ tickets: 1 });
    expect(await n(sql`select count(*)::int as n from audit_log`)).toBe(0);

    first = await runRetention(deps.db, policy, { now, actor: { kind: 'cli' } });
    // The dry run predicted the real run exactly.
    expect({ ...first, dryRun: true }).toEqual(dry);
  });

  it('deletes the dormant closed ticket with everything that points at it', async () => {
    expect(first.tickets).toEqual({
      before: daysAgo(365),
      tickets: 1,
      messages: 1,
      ticketEvents: 4, // created, message_received, triaged, approved
      drafts: 1,
      deliveries: 1,
      aiInteractions: 1,
      trainingExamples: 1,
      inboxEvents: 1,
      // triage (from intake), draft (from triage), sla, deliver, zendesk-writeback: all pending.
      outboxRows: aJobs,
    });
    expect(aJobs).toBeGreaterThanOrEqual(4);
    for (const table of [
      'tickets',
      'messages',
      'ticket_events',
      'ticket_triage',
      'drafts',
      'deliveries',
      'ai_interactions',
      'training_examples',
      'inbox_events',
      'ticket_metrics',
    ]) {
      const column = table === 'tickets' ? 'id' : 'ticket_id';
      expect(
        await n(
          sql`select count(*)::int as n from ${sql.identifier(table)} where ${sql.identifier(column)} = ${t.a}`,
        ),
        table,
      ).toBe(0);
    }
    // Nothing refers to a row that is gone: no job for a deleted ticket, draft or delivery.
    expect(
      await n(sql`select count(*)::int as n from outbox o where o.state = 'pending' and (
        (o.payload ? 'ticketId' and not exists (select 1 from tickets x where x.id::text = o.payload->>'ticketId'))
        or (o.payload ? 'draftId' and not exists (select 1 from drafts x where x.id::text = o.payload->>'draftId'))
        or (o.payload ? 'deliveryId' and not exists (select 1 from deliveries x where x.id::text = o.payload->>'deliveryId')))`),
    ).toBe(0);
  });

  it('keeps tickets that are open, active again, waiting on a delivery, or recent', async () => {
    for (const id of [t.b, t.c, t.e, t.f]) {
      const [row] = await q<{ subject: string; messages: number }>(sql`select subject,
        (select count(*) from messages where ticket_id = ${id})::int as messages
        from tickets where id = ${id}`);
      expect(row?.subject, id).not.toBe('');
      expect(row?.messages, id).toBeGreaterThan(0);
    }
    // B's old message is there with the new one.
    expect(await n(sql`select count(*)::int as n from messages where ticket_id = ${t.b}`)).toBe(2);
  });

  it('anonymises the older-than-content-period ticket but keeps its facts and metrics', async () => {
    expect(first.ticketContent).toEqual({
      before: daysAgo(90),
      tickets: 1,
      messages: 1,
      drafts: 1,
      deliveries: 1,
      ticketEvents: 1,
      aiInteractions: 1,
    });
    const [ticket] = await q<Record<string, unknown>>(
      sql`select subject, requester_email, requester_name, status, channel from tickets where id = ${t.d}`,
    );
    expect(ticket).toEqual({
      subject: '',
      requester_email: null,
      requester_name: null,
      status: 'solved',
      channel: 'email',
    });
    const everything = JSON.stringify(
      await q(sql`select m.*, d.body_text as draft, d.final_text, d.reject_reason, dl.recipient,
          dl.last_error, e.data, a.output
        from messages m
        join drafts d on d.ticket_id = m.ticket_id
        join deliveries dl on dl.ticket_id = m.ticket_id
        join ticket_events e on e.ticket_id = m.ticket_id
        join ai_interactions a on a.ticket_id = m.ticket_id
        where m.ticket_id = ${t.d}`),
    );
    for (const secret of ['Dana', 'dana@example.net', '4111', '7946', 'Robin', 'charged']) {
      expect(everything).not.toContain(secret);
    }
    // The skeleton the metrics are computed from is intact.
    const [kept] = await q<{ messages: number; events: number; status: string }>(sql`select
      (select count(*) from messages where ticket_id = ${t.d} and created_at = ${daysAgo(100)}::timestamptz)::int as messages,
      (select count(*) from ticket_events where ticket_id = ${t.d})::int as events,
      (select status from drafts where ticket_id = ${t.d}) as status`);
    expect(kept).toEqual({ messages: 1, events: 3, status: 'rejected' });
    const after = await metricsOf(t.d!);
    expect(after).toEqual(dMetricsBefore);
    expect(after[0]).toMatchObject({ status: 'solved', drafts_rejected: 1 });
  });

  it('expires model calls, dedupe records and relayed outbox rows by their own periods', async () => {
    // C's triage call (400 days) went; the ones of kept, recent tickets did not exist.
    expect(first.aiInteractions?.deleted).toBe(1);
    expect(
      await n(sql`select count(*)::int as n from ai_interactions where ticket_id = ${t.c}`),
    ).toBe(0);
    // D's model call is 100 days old: anonymised, not deleted.
    expect(
      await n(sql`select count(*)::int as n from ai_interactions where ticket_id = ${t.d}`),
    ).toBe(1);
    // Every inbox event but F's is older than 30 days (A's went with A).
    expect(first.inboxEvents?.deleted).toBe(4);
    expect(await n(sql`select count(*)::int as n from inbox_events`)).toBe(1);
    // The old sent row went; pending rows (however old) stay.
    expect(first.outbox?.deleted).toBe(1);
    expect(
      await n(
        sql`select count(*)::int as n from outbox where state = 'pending' and job_name = 'retrain'`,
      ),
    ).toBe(1);
    expect(first.webhookNonces.deleted).toBe(1);
    expect(await n(sql`select count(*)::int as n from webhook_nonces`)).toBe(1);
  });

  it('records the run in the audit log, and a second run finds nothing to do', async () => {
    const [entry] = await q<{ action: string; actor_kind: string; data: RetentionReport }>(
      sql`select action, actor_kind, data from audit_log`,
    );
    expect(entry).toMatchObject({ action: 'retention_run', actor_kind: 'cli' });
    expect(entry!.data.tickets?.tickets).toBe(1);

    const before = await snapshot();
    const again = await runRetention(deps.db, policy, { now, actor: { kind: 'system' } });
    expect(await snapshot()).toEqual(before);
    expect(again.tickets?.tickets).toBe(0);
    expect(again.ticketContent?.tickets).toBe(0);
    expect(again.aiInteractions?.deleted).toBe(0);
    expect(again.inboxEvents?.deleted).toBe(0);
    expect(again.outbox?.deleted).toBe(0);
  });

  it('does nothing at all with every period at 0', async () => {
    const before = await snapshot();
    const report = await runRetention(
      deps.db,
      {
        ...policy,
        ticketsDays: 0,
        ticketContentDays: 0,
        aiInteractionsDays: 0,
        inboxEventsDays: 0,
        outboxDays: 0,
      },
      { now, actor: { kind: 'system' } },
    );
    expect(report).toMatchObject({
      tickets: null,
      ticketContent: null,
      aiInteractions: null,
      inboxEvents: null,
      outbox: null,
    });
    expect(await snapshot()).toEqual(before);
  });
});
