import { sql } from 'drizzle-orm';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey, createApiKeyVerifier, type Principal } from '../../src/auth/api-keys.js';
import type { Config } from '../../src/config/index.js';
import type { Db } from '../../src/db/client.js';
import { rowsOf } from '../../src/db/rows.js';
import type { Deps } from '../../src/deps.js';
import { metricsRoutes } from '../../src/http/routes/metrics/index.js';
import { toMetricsFilter } from '../../src/http/ui/dashboard-data.js';
import { normalizeGenericEvent } from '../../src/ingest/generic/normalize.js';
import { genericTicketEventSchema } from '../../src/ingest/generic/schema.js';
import { acceptDelivery } from '../../src/ingest/intake.js';
import { normalizeZendeskEvent } from '../../src/ingest/zendesk/normalize.js';
import { zendeskEventSchema } from '../../src/ingest/zendesk/payload.js';
import type { LiveEvents } from '../../src/live/events.js';
import {
  businessDeadline,
  classifierMetrics,
  type MetricsFilter,
  type MetricsSummary,
  metricsBy,
  metricsSummary,
  refreshTicketMetrics,
  resolvePeriod,
} from '../../src/metrics/index.js';
import { approveDraft, rejectDraft } from '../../src/pipeline/review/actions.js';
import { checkDraftSla, draftDueAt } from '../../src/pipeline/review/sla.js';
import { autoSolveWaitingTickets, solveTicket } from '../../src/pipeline/review/sla-solve.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { testConfig } from '../support/deps.js';
import { agentActor } from '../support/drafts.js';
import { zendeskStatusChanged, zendeskTicketCreated } from '../support/zendesk.js';

/*
 * One month of tickets written through the real intake (generic webhook events with their own
 * times) and the real review actions, then read through the functions the API and the dashboard
 * use. Every expected value is computed by hand in the comments.
 *
 * TIME_ZONE Europe/Berlin (UTC+1 in March until the 29th), business hours Mon–Fri 09:00–17:00.
 * SLA: urgent 60 min and low 1440 min in calendar time; normal 480 min in business hours.
 *
 *  A Mon 03-02 08:00Z (09:00 local) normal. Agent reply 10:00Z (2 h, 2 bh), solved 11:00Z (3 h).
 *    Due 17:00 local = 16:00Z: met. One-touch.
 *  B Tue 03-03 08:00Z urgent (due 09:00Z). No reply; solved 08:50Z (in time), the customer
 *    writes again 10:00Z (reopened), solved again 12:00Z. Resolution to the latest solve: 4 h.
 *    SLA judged on the first solve: met. Solved without a reply.
 *  C Wed 03-04 09:00Z, opened by an agent (public comment), low. Customer answers 10:00Z, agent
 *    replies 13:00Z: first reply = the second public agent comment, 4 h (4 bh). Open.
 *  D Thu 03-05 09:00Z normal. Auto-sent AI reply 09:30Z (AI first response 0.5 h; no human first
 *    reply), solved 12:00Z (3 h): automated resolution; SLA met by the AI reply.
 *  E Fri 03-06 09:00Z normal. Draft approved unchanged, delivery held (no delivery worker): no
 *    reply reached the customer. Due Mon 03-09 10:00 local: breached. Open.
 *  F Mon 03-09 08:00Z normal. Draft approved with 2 of 10 words changed, held. Due 16:00Z:
 *    breached. Predicted billing, corrected to shipping. Open.
 *  G Mon 03-09 12:00Z normal. Draft v1 rejected ("Wrong tone: too formal"); v2 pending when an
 *    agent answers in the helpdesk at 13:00Z (1 h, 1 bh): v2 is retired, not shown. Open.
 *  H Imported as solved (status on the creating event), created Tue 03-10 09:00Z, occurredAt
 *    15:00Z: solved 6 h, never triaged. Default policy normal; met by the solve.
 *  I Wed 03-11 09:00Z low. Agent replies 10:00Z and 10:30Z (not one-touch), solved at 11:00Z by
 *    a webhook delivered months later (occurredAt): resolution 2 h, not the delivery delay.
 *  J Thu 03-12 09:00Z normal. Agent reply 10:00Z; the customer answers "Resolved." at 11:00Z
 *    (SOLVE_KEYWORDS): solved, 2 h.
 *  K created Fri 02-20 09:00Z, solved Mon 03-02 09:00Z (240 h): only in the "solved in March"
 *    view.
 *  M created 03-31 22:30Z = April 1st 00:30 local: not in March.
 */
let database: TestDatabase;
let db: Db;
let config: Config;
const principal: Principal = {
  kind: 'api_key',
  id: 'scenario-key',
  role: 'integration',
  teamId: null,
};
let march: MetricsFilter;
let summary: MetricsSummary;
const ids: Record<string, string> = {};
let eventNo = 0;
// Review steps also publish live events; nobody listens in this scenario.
const live: LiveEvents = {
  publish: async () => {},
  subscribe: () => () => {},
  close: async () => {},
};

async function post(event: Record<string, unknown>): Promise<string> {
  const parsed = genericTicketEventSchema.parse({ eventId: `e${++eventNo}`, ...event });
  const result = await acceptDelivery(db, normalizeGenericEvent(parsed, principal), {
    solveKeywords: config.SOLVE_KEYWORDS,
  });
  expect(result.outcome).toBe('accepted');
  return result.ticketId!;
}

async function open(
  key: string,
  at: string,
  opts: { priority?: string; category?: string; corrected?: string; agent?: boolean } = {},
) {
  ids[key] = await post({
    ticket: { externalId: key, subject: `Ticket ${key}` },
    requester: { email: `${key.toLowerCase()}@example.com` },
    message: {
      body: `Question ${key}`,
      createdAt: at,
      authorKind: opts.agent ? 'agent' : 'customer',
    },
  });
  if (opts.category) {
    await db.execute(sql`insert into ticket_triage (ticket_id, category, confidence, decided_by,
        priority, sentiment, corrected_category)
      values (${ids[key]}, ${opts.category}, 0.9, 'classifier', ${opts.priority ?? 'normal'},
        'neutral', ${opts.corrected ?? null})`);
  }
}

const reply = (
  key: string,
  at: string,
  authorKind: 'agent' | 'customer' = 'agent',
  body = 'Reply',
) =>
  post({
    ticket: { externalId: key },
    // Distinct text: the intake takes an unchanged repeat of the latest comment for a re-render.
    message: { body: `${body} (${key} ${at})`, createdAt: at, authorKind },
  });
const setStatus = (key: string, status: string, occurredAt: string) =>
  post({ occurredAt, ticket: { externalId: key, status } });

const TEN_WORDS = 'one two three four five six seven eight nine ten';

async function draft(
  key: string,
  opts: { version?: number; autoSent?: boolean; status?: string } = {},
) {
  const [row] = rowsOf<{ id: string }>(
    await db.execute(sql`insert into drafts (ticket_id, message_id, version, status, kind,
        body_text, model, auto_sent, sla_due_at)
      values (${ids[key]}, (select id from messages where ticket_id = ${ids[key]}
          and author_kind = 'customer' order by created_at limit 1),
        ${opts.version ?? 1}, ${opts.status ?? 'pending_approval'}, 'extractive', ${TEN_WORDS},
        'test', ${opts.autoSent ?? false}, '2026-03-01T00:00:00Z')
      returning id`),
  );
  return row!.id;
}

beforeAll(async () => {
  database = await createTestDatabase();
  db = database.db;
  config = testConfig({
    TIME_ZONE: 'Europe/Berlin',
    BUSINESS_HOURS: 'mon-fri 09:00-17:00',
    SLA_MINUTES: '{"urgent":60,"normal":480,"low":1440}',
    SLA_BUSINESS_HOURS: 'normal',
    SOLVE_KEYWORDS: 'resolved,solved',
  });
  const deps = { db, config, live, log: pino({ level: 'silent' }) };

  await open('A', '2026-03-02T08:00:00Z', { category: 'billing' });
  await reply('A', '2026-03-02T10:00:00Z');
  await setStatus('A', 'solved', '2026-03-02T11:00:00Z');

  await open('B', '2026-03-03T08:00:00Z', { category: 'billing', priority: 'urgent' });
  await setStatus('B', 'solved', '2026-03-03T08:50:00Z');
  await reply('B', '2026-03-03T10:00:00Z', 'customer', 'It happened again');
  await setStatus('B', 'solved', '2026-03-03T12:00:00Z');

  await open('C', '2026-03-04T09:00:00Z', { category: 'shipping', priority: 'low', agent: true });
  await reply('C', '2026-03-04T10:00:00Z', 'customer');
  await reply('C', '2026-03-04T13:00:00Z');

  await open('D', '2026-03-05T09:00:00Z', { category: 'shipping' });
  await draft('D', { autoSent: true, status: 'sent' });
  await db.execute(sql`insert into messages (ticket_id, direction, author_kind, body_text, public,
      sent_at, created_at)
    values (${ids.D}, 'outbound', 'ai', ${TEN_WORDS}, true, '2026-03-05T09:30:00Z',
      '2026-03-05T09:30:00Z')`);
  await setStatus('D', 'solved', '2026-03-05T12:00:00Z');

  await open('E', '2026-03-06T09:00:00Z', { category: 'billing' });
  const e = await approveDraft(deps, { draftId: await draft('E'), actor: agentActor('agent-1') });
  expect(e.ok && e.draft.status).toBe('approved');

  await open('F', '2026-03-09T08:00:00Z', { category: 'billing', corrected: 'shipping' });
  const f = await approveDraft(deps, {
    draftId: await draft('F'),
    actor: agentActor('agent-1'),
    finalText: 'one two three four five six seven eight NINE TEN',
  });
  expect(f.ok && f.draft.editDistance).toBe(2);

  await open('G', '2026-03-09T12:00:00Z', { category: 'returns' });
  const g1 = await draft('G');
  expect(
    (
      await rejectDraft(deps, {
        draftId: g1,
        actor: agentActor('agent-1'),
        reason: 'Wrong tone: too formal',
      })
    ).ok,
  ).toBe(true);
  ids.G2 = await draft('G', { version: 2 });
  await reply('G', '2026-03-09T13:00:00Z');

  ids.H = await post({
    occurredAt: '2026-03-10T15:00:00Z',
    ticket: { externalId: 'H', subject: 'Imported', status: 'solved' },
    message: { body: 'Old question', createdAt: '2026-03-10T09:00:00Z' },
  });

  await open('I', '2026-03-11T09:00:00Z', { category: 'billing', priority: 'low' });
  await reply('I', '2026-03-11T10:00:00Z');
  await reply('I', '2026-03-11T10:30:00Z', 'agent', 'And one more thing');
  await setStatus('I', 'solved', '2026-03-11T11:00:00Z');

  await open('J', '2026-03-12T09:00:00Z', { category: 'shipping' });
  await reply('J', '2026-03-12T10:00:00Z');
  await post({
    ticket: { externalId: 'J' },
    message: { body: 'Resolved.', createdAt: '2026-03-12T11:00:00Z' },
  });

  await open('K', '2026-02-20T09:00:00Z', { category: 'billing', priority: 'low' });
  await setStatus('K', 'solved', '2026-03-02T09:00:00Z');
  await open('M', '2026-03-31T22:30:00Z', { category: 'billing' });

  await refreshTicketMetrics(db, config, { full: true });
  const period = await resolvePeriod(db, config.TIME_ZONE, {
    from: '2026-03-01',
    to: '2026-03-31',
  });
  march = { from: period.from, to: period.to };
  summary = await metricsSummary(db, config, march);
});
afterAll(() => database?.destroy());

describe('a month of tickets, read as a helpdesk manager defines each metric', () => {
  it('"March" is the calendar month in TIME_ZONE: 2026-03-01 00:00 to 04-01 00:00 Berlin', () => {
    expect(march.from.toISOString()).toBe('2026-02-28T23:00:00.000Z');
    expect(march.to.toISOString()).toBe('2026-03-31T22:00:00.000Z');
    expect(summary.tickets).toBe(10);
  });

  it('first reply time: human agents only, agent-created tickets to the second comment', () => {
    // A 2, C 4, G 1, I 1, J 1 (calendar = business here); D had only the AI.
    expect(summary.replied).toBe(5);
    expect(summary.firstResponseMedianHours).toBeCloseTo(1);
    expect(summary.firstResponseP90Hours).toBeCloseTo(3.2);
    expect(summary.firstResponseBusinessMedianHours).toBeCloseTo(1);
    expect(summary.firstResponseBusinessP90Hours).toBeCloseTo(3.2);
    expect(summary.aiReplied).toBe(1);
    expect(summary.aiFirstResponseMedianHours).toBeCloseTo(0.5);
  });

  it('resolution: latest solve, event times, imported and keyword-solved tickets', () => {
    // Solved: A 3, B 4, D 3, H 6, I 2, J 2 h.
    expect(summary.solved).toBe(6);
    expect(summary.resolutionRate).toBeCloseTo(0.6);
    expect(summary.resolutionMedianHours).toBeCloseTo(3);
    expect(summary.resolutionP90Hours).toBeCloseTo(5);
    expect(summary.resolutionBusinessMedianHours).toBeCloseTo(3);
    expect(summary.resolutionBusinessP90Hours).toBeCloseTo(5);
    // I has two replies; the rest of the solved tickets at most one.
    expect(summary.oneTouchRate).toBeCloseTo(5 / 6);
    expect(summary.solvedWithoutReply).toBe(2);
    expect(summary.reopenRate).toBeCloseTo(1 / 6);
    expect(summary.automationRate).toBeCloseTo(1 / 10);
    expect(summary.backlog).toBe(4);
  });

  it('SLA: first solve, AI replies and business-hours targets; held replies breach', async () => {
    expect(summary.slaJudged).toBe(10);
    expect(summary.slaBreached).toBe(2);
    expect(summary.slaBreachRate).toBeCloseTo(0.2);
    const due = rowsOf<{ ticket_id: string; sla_due_at: Date | string }>(
      await db.execute(sql`select ticket_id, sla_due_at from ticket_metrics`),
    ).map((r) => [r.ticket_id, new Date(r.sla_due_at).toISOString()]);
    const dueOf = new Map(due as [string, string][]);
    // Friday 10:00 local + 8 business hours = Monday 10:00 local (09:00Z).
    expect(dueOf.get(ids.E!)).toBe('2026-03-09T09:00:00.000Z');
    expect(dueOf.get(ids.B!)).toBe('2026-03-03T09:00:00.000Z');
    expect(dueOf.get(ids.G!)).toBe('2026-03-10T12:00:00.000Z');
    // Opened by an agent: the target runs from the customer's first message (10:00, low 24 h).
    expect(dueOf.get(ids.C!)).toBe('2026-03-05T10:00:00.000Z');
  });

  it('acceptance and edit rate are review decisions; delivery is counted apart', async () => {
    // Shown: E (unchanged), F (edited), G v1 (rejected); G v2 was retired, not shown.
    expect(summary.draftsShown).toBe(3);
    expect(summary.draftsApproved).toBe(2);
    expect(summary.draftAcceptanceRate).toBeCloseTo(1 / 3);
    expect(summary.editRate).toBeCloseTo(2 / 20);
    expect(summary.draftsRejected).toBe(1);
    // Approved: D (auto-sent, delivered), E and F (held).
    expect(summary.draftsDelivered).toBe(1);
    expect(summary.draftsAwaitingDelivery).toBe(2);
    expect(summary.deliveryRate).toBeCloseTo(1 / 3);
    // (D 1 + E 1 + F 0.8) × 6 min.
    expect(summary.timeSavedHours).toBeCloseTo((2.8 * 6) / 60);
    const [g2] = rowsOf<{ status: string; decided_at: unknown }>(
      await db.execute(sql`select status, decided_at from drafts where id = ${ids.G2}`),
    );
    expect(g2).toEqual({ status: 'retired', decided_at: null });
  });

  it('rejection reasons by fixed code, free text apart', () => {
    expect(summary.rejectionReasons).toEqual([{ reason: 'Wrong tone', count: 1 }]);
    expect(summary.rejectionComments).toMatchObject([
      { reason: 'Wrong tone', comment: 'too formal', ticketId: ids.G },
    ]);
  });

  it('classifier precision by predicted category, recall by final category', async () => {
    const c = await classifierMetrics(db, config, march);
    expect(c).toMatchObject({ triaged: 9, corrected: 1 });
    expect(c.accuracy).toBeCloseTo(8 / 9);
    expect(summary.classifierAccuracy).toBeCloseTo(8 / 9);
    expect(summary.classifierCorrections).toBe(1);
    const by = Object.fromEntries(c.byCategory.map((r) => [r.category, r]));
    expect(by.billing).toMatchObject({
      predicted: 5,
      actual: 4,
      correct: 4,
      precision: 0.8,
      recall: 1,
    });
    expect(by.shipping).toMatchObject({
      predicted: 3,
      actual: 4,
      correct: 3,
      precision: 1,
      recall: 0.75,
    });
    expect(by.returns).toMatchObject({ precision: 1, recall: 1 });
  });

  it('imported solved ticket: not triaged or drafted; delayed webhook keeps its own time', async () => {
    const queued = rowsOf<{ n: number }>(
      await db.execute(sql`select count(*)::int as n from outbox
        where job_name = 'triage' and payload ->> 'ticketId' = ${ids.H}`),
    );
    expect(queued[0]!.n).toBe(0);
    const [i] = rowsOf<{ solved_at: Date | string }>(
      await db.execute(sql`select solved_at from ticket_metrics where ticket_id = ${ids.I}`),
    );
    expect(new Date(i!.solved_at).toISOString()).toBe('2026-03-11T11:00:00.000Z');
  });

  it('"solved in period" holds what was solved in March, whenever it was created', async () => {
    const solved = await metricsSummary(db, config, { ...march, basis: 'solved' });
    // A, B, D, H, I, J and K (created in February).
    expect(solved.tickets).toBe(7);
    // 2, 2, 3, 3, 4, 6, 240 h: p90 = 6 + 0.4 × 234.
    expect(solved.resolutionP90Hours).toBeCloseTo(99.6);
    const byDay = await metricsBy(db, config, { ...march, basis: 'solved' }, 'day');
    expect(byDay.find((r) => r.key === '2026-03-02')?.tickets).toBe(2);
  });

  it('days are buckets in TIME_ZONE and a March query has no April bucket', async () => {
    const byDay = await metricsBy(db, config, march, 'day');
    expect(byDay.map((r) => r.key)).not.toContain('2026-04-01');
    expect(byDay.map((r) => r.key)).toEqual([
      '2026-03-02',
      '2026-03-03',
      '2026-03-04',
      '2026-03-05',
      '2026-03-06',
      '2026-03-09',
      '2026-03-10',
      '2026-03-11',
      '2026-03-12',
    ]);
  });
});

describe('SLA deadlines', () => {
  it('a draft is due from the oldest unanswered customer message: creation, or after a reply or solve', async () => {
    const [first, later] = rowsOf<{ id: string; created_at: Date | string }>(
      await db.execute(sql`select id, created_at from messages
        where ticket_id = ${ids.B} and author_kind = 'customer' order by created_at`),
    );
    const at = (m: { created_at: Date | string }) => ({ createdAt: new Date(m.created_at) });
    const input = {
      ticketId: ids.B!,
      ticketCreatedAt: new Date('2026-03-03T08:00:00Z'),
      policy: null,
      priority: 'urgent',
    };
    expect((await draftDueAt(db, config, { ...input, message: at(first!) })).toISOString()).toBe(
      '2026-03-03T09:00:00.000Z',
    );
    // B was solved at 08:50 before the customer wrote again: a next-reply target from 10:00.
    expect((await draftDueAt(db, config, { ...input, message: at(later!) })).toISOString()).toBe(
      '2026-03-03T11:00:00.000Z',
    );
    // Business-hours policy: 16:00 local Friday + 8 h = Monday 16:00 local.
    expect(
      (
        await draftDueAt(db, config, {
          ...input,
          priority: 'normal',
          message: { createdAt: new Date('2026-03-06T15:00:00Z') },
        })
      ).toISOString(),
    ).toBe('2026-03-09T15:00:00.000Z');
    // E's approved reply is held, so nothing answered it: a nudge on Saturday keeps the ticket's
    // own deadline (Monday 10:00 local), it does not start a new clock.
    expect(
      (
        await draftDueAt(db, config, {
          ticketId: ids.E!,
          ticketCreatedAt: new Date('2026-03-06T09:00:00Z'),
          message: { createdAt: new Date('2026-03-07T10:00:00Z') },
          policy: null,
          priority: 'normal',
        })
      ).toISOString(),
    ).toBe('2026-03-09T09:00:00.000Z');
    // C was opened by an agent at 09:00: the clock starts at the customer's answer, 10:00 (low,
    // 24 calendar hours).
    expect(
      (
        await draftDueAt(db, config, {
          ticketId: ids.C!,
          ticketCreatedAt: new Date('2026-03-04T09:00:00Z'),
          message: { createdAt: new Date('2026-03-04T10:00:00Z') },
          policy: null,
          priority: 'low',
        })
      ).toISOString(),
    ).toBe('2026-03-05T10:00:00.000Z');
  });

  it('business-hours deadlines across the spring DST change', async () => {
    const hours = config.BUSINESS_HOURS;
    // Friday 27 March 16:00 local (15:00Z) + 2 bh → Monday 30 March 10:00 CEST = 08:00Z.
    expect(
      (
        await businessDeadline(db, new Date('2026-03-27T15:00:00Z'), 7200, hours, 'Europe/Berlin')
      ).toISOString(),
    ).toBe('2026-03-30T08:00:00.000Z');
  });
});

describe('one time-zone rule, day starts from Postgres', () => {
  it('a day whose local midnight does not exist starts at 01:00 local', async () => {
    // Chile moves its clocks from 00:00 to 01:00 on 2026-09-06 (UTC−4 → UTC−3).
    const santiago = await resolvePeriod(db, 'America/Santiago', {
      from: '2026-09-06',
      to: '2026-09-06',
    });
    expect(santiago.from.toISOString()).toBe('2026-09-06T04:00:00.000Z');
    expect(santiago.to.toISOString()).toBe('2026-09-07T03:00:00.000Z');
    // Cuba does the same on 2026-03-08 (UTC−5 → UTC−4).
    const havana = await resolvePeriod(db, 'America/Havana', {
      from: '2026-03-08',
      to: '2026-03-08',
    });
    expect(havana.from.toISOString()).toBe('2026-03-08T05:00:00.000Z');
    expect(havana.to.toISOString()).toBe('2026-03-09T04:00:00.000Z');
    expect(havana.to.getTime() - havana.from.getTime()).toBe(23 * 3_600_000);
  });

  it('instants are taken as given, `to` exclusive; no `from` means 30 days before', async () => {
    const p = await resolvePeriod(db, 'Europe/Berlin', { to: '2026-04-01T00:00:00Z' });
    expect(p.to.toISOString()).toBe('2026-04-01T00:00:00.000Z');
    expect(p.from.toISOString()).toBe('2026-03-02T00:00:00.000Z');
    expect(p.fromDay).toBeNull();
  });
});

describe('solving tickets without a helpdesk (email-only setups)', () => {
  const statusOf = async (id: string) =>
    rowsOf<{ status: string }>(
      await db.execute(sql`select status from tickets where id = ${id}`),
    )[0]?.status;

  it('auto-solve: waiting on the customer N days after our reply, dated when the wait ran out', async () => {
    await open('P', '2026-04-06T09:00:00Z', { category: 'billing' });
    await reply('P', '2026-04-06T10:00:00Z');
    await setStatus('P', 'pending', '2026-04-06T10:00:00Z');
    await open('Q', '2026-04-06T09:00:00Z', { category: 'billing' });
    await reply('Q', '2026-04-06T10:00:00Z');
    await setStatus('Q', 'pending', '2026-04-06T10:00:00Z');
    // Q's customer answered: it waits on us, not on them.
    await reply('Q', '2026-04-08T10:00:00Z', 'customer');
    await setStatus('Q', 'pending', '2026-04-08T10:00:01Z');
    const now = new Date('2026-04-09T12:00:00Z');
    expect(
      await autoSolveWaitingTickets(db, { days: 3, now: new Date('2026-04-09T09:00:00Z') }),
    ).toBe(0);
    expect(await autoSolveWaitingTickets(db, { days: 3, now })).toBe(1);
    expect(await autoSolveWaitingTickets(db, { days: 3, now })).toBe(0);
    expect(await statusOf(ids.P!)).toBe('solved');
    expect(await statusOf(ids.Q!)).toBe('pending');
    await refreshTicketMetrics(db, config, { ticketIds: [ids.P!] });
    const april = await resolvePeriod(db, config.TIME_ZONE, {
      from: '2026-04-06',
      to: '2026-04-06',
    });
    const s = await metricsSummary(db, config, { from: april.from, to: april.to });
    // P: 3 days and 1 hour to the solve at 04-09 10:00Z.
    expect(s.solved).toBe(1);
    expect(s.resolutionMedianHours).toBeCloseTo(73);
  });

  it('an agent solves a ticket; its waiting draft is retired', async () => {
    await open('R', '2026-04-07T09:00:00Z', { category: 'billing' });
    const pending = await draft('R');
    expect(
      await solveTicket({ db, live }, { ticketId: ids.R!, actor: agentActor('agent-2') }),
    ).toEqual({
      ok: true,
      alreadySolved: false,
    });
    expect(
      await solveTicket({ db, live }, { ticketId: ids.R!, actor: agentActor('agent-2') }),
    ).toEqual({
      ok: true,
      alreadySolved: true,
    });
    expect(await statusOf(ids.R!)).toBe('solved');
    const [d] = rowsOf<{ status: string }>(
      await db.execute(sql`select status from drafts where id = ${pending}`),
    );
    expect(d!.status).toBe('retired');
  });

  it('the SLA job retires a draft whose question was answered instead of marking it overdue', async () => {
    await open('S', '2026-04-07T09:00:00Z', { category: 'billing' });
    const waiting = await draft('S');
    // Answered in the helpdesk without going through intake (e.g. a reply written by hand).
    await db.execute(sql`insert into messages (ticket_id, direction, author_kind, body_text, public,
        created_at) values (${ids.S}, 'outbound', 'agent', 'Answered by hand', true,
        '2026-04-07T10:00:00Z')`);
    const deps = { db, config, live, log: pino({ level: 'silent' }), mailer: null as never };
    expect(await checkDraftSla(deps, waiting)).toEqual({ overdue: false, retired: true });
    const events = rowsOf<{ n: number }>(
      await db.execute(sql`select count(*)::int as n from ticket_events
        where ticket_id = ${ids.S} and type = 'overdue'`),
    );
    expect(events[0]!.n).toBe(0);
    // Still waiting, unanswered: overdue as before.
    await open('T', '2026-04-07T09:00:00Z', { category: 'billing' });
    const late = await draft('T');
    const marked = await checkDraftSla(
      { ...deps, mailer: { send: async () => {} } as never },
      late,
    );
    expect(marked.overdue).toBe(true);
  });
});

describe('Zendesk events keep their own time', () => {
  it('a solve delivered weeks late is dated by the event, not the arrival', async () => {
    const signature = { scheme: 'zendesk-hmac' } as never;
    const deliver = async (event: unknown) => {
      const parsed = zendeskEventSchema.parse(event);
      const result = await acceptDelivery(db, normalizeZendeskEvent(parsed, signature));
      expect(result.outcome).toBe('accepted');
      return result.ticketId!;
    };
    const id = await deliver(zendeskTicketCreated('77001'));
    // Solved at 12:00Z per the event; this delivery arrives in December.
    await deliver(zendeskStatusChanged('77001', 'OPEN', 'SOLVED'));
    const [solve] = rowsOf<{ created_at: Date | string }>(
      await db.execute(sql`select created_at from ticket_events
        where ticket_id = ${id} and type = 'solved'`),
    );
    expect(new Date(solve!.created_at).toISOString()).toBe('2026-11-20T12:00:00.000Z');
    await refreshTicketMetrics(db, config, { ticketIds: [id] });
    const [facts] = rowsOf<{ resolution_seconds: number }>(
      await db.execute(sql`select resolution_seconds from ticket_metrics where ticket_id = ${id}`),
    );
    expect(Number(facts!.resolution_seconds)).toBe(2 * 3600);
  });
});

describe('the API reads the same month as the dashboard', () => {
  it('dates in TIME_ZONE, `to` inclusive, no April bucket; the answer states the rule', async () => {
    const { key } = await createApiKey(db, { name: 'manager', role: 'manager' });
    const app = metricsRoutes({ db, config, apiKeys: createApiKeyVerifier(db) } as unknown as Deps);
    const get = async (url: string) => {
      const res = await app.request(url, { headers: { authorization: `Bearer ${key}` } });
      expect(res.status, url).toBe(200);
      return res.json() as Promise<Record<string, unknown>>;
    };
    const series = await get('/api/metrics/timeseries?from=2026-03-01&to=2026-03-31&interval=day');
    expect(series).toMatchObject({
      from: '2026-02-28T23:00:00.000Z',
      to: '2026-03-31T22:00:00.000Z',
      timeZone: 'Europe/Berlin',
      basis: 'created',
    });
    const keys = (series.rows as { key: string }[]).map((r) => r.key);
    expect(keys.at(-1)).toBe('2026-03-12');
    const summary = (await get('/api/metrics/summary?from=2026-03-01&to=2026-03-31')) as {
      metrics: MetricsSummary;
    };
    expect(summary.metrics.tickets).toBe(10);
    const dashboard = await toMetricsFilter(
      db,
      { from: '2026-03-01', to: '2026-03-31', period: 'day', basis: 'created', slices: {} },
      config.TIME_ZONE,
    );
    expect(dashboard.from.toISOString()).toBe(series.from);
    expect(dashboard.to.toISOString()).toBe(series.to);
    const solved = (await get(
      '/api/metrics/summary?from=2026-03-01&to=2026-03-31&basis=solved',
    )) as {
      metrics: MetricsSummary;
    };
    expect(solved.metrics.tickets).toBe(7);
  });
});
