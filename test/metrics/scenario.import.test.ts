import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { createApiKey } from '../../src/auth/api-keys.js';
import { createUser } from '../../src/auth/users.js';
import { rowsOf } from '../../src/db/rows.js';
import {
  type DashboardParams,
  dashboardCsv,
  loadDashboard,
} from '../../src/http/ui/dashboard-data.js';
import { acceptDelivery } from '../../src/ingest/intake.js';
import {
  normalizeZendeskEvent,
  normalizeZendeskTrigger,
} from '../../src/ingest/zendesk/normalize.js';
import {
  zendeskEventSchema,
  zendeskTriggerSchema,
  zendeskTriggerTemplate,
} from '../../src/ingest/zendesk/payload.js';
import {
  type classifierMetrics,
  type MetricsFilter,
  type MetricsSummary,
  metricsBy,
  metricsSummary,
  refreshTicketMetrics,
  resolvePeriod,
} from '../../src/metrics/index.js';
import { autoSolveWaitingTickets } from '../../src/pipeline/review/sla-solve.js';
import { createTestDeps, type TestDeps } from '../support/deps.js';
import { signInOverHttp } from '../support/sign-in.js';
import { zendeskTicketCreated } from '../support/zendesk.js';

/*
 * Imported tickets, event times, ways to solve without a helpdesk, precision and recall, the
 * time-zone rule on a DST day and both cohorts — written through the real webhook over HTTP and
 * read through the functions (and routes) the API and the dashboard use. Every expected value is
 * computed by hand below.
 *
 * TIME_ZONE America/Santiago: UTC−4 until Chile moves its clocks from 00:00 to 01:00 on Sunday
 * 2026-09-06, UTC−3 after. So "September" (dates 09-01..09-30) is [09-01T04:00Z, 10-01T03:00Z),
 * and the local day 09-06 starts at 01:00 local = 04:00Z (a day start taken from the offset of
 * the day itself, −3, would be 03:00Z: an hour early). SLA: normal = 480 min, calendar time.
 *
 *  A created 09-01 13:00Z (09:00 local, billing). Agent reply 14:00Z (1 h). Solved at 16:00Z by
 *    a webhook delivered months later with occurredAt: resolution 3 h, not the delivery delay.
 *  B arrives already solved (ticket.status on the creating event): created 09-02 13:00Z,
 *    occurredAt 15:00Z: resolution 2 h. Never triaged or drafted, not in the backlog; SLA met by
 *    the solve (due 21:00Z).
 *  B2 arrives already closed: created 09-03 13:00Z, occurredAt 14:00Z: resolution 1 h.
 *  C created 09-06 03:30Z = 09-05 23:30 local (−4): day 09-05. Predicted billing, corrected to
 *    shipping. Agent reply 04:30Z (1 h). Open.
 *  D created 09-06 04:30Z = 09-06 01:30 local (−3): day 09-06. Shipping. Agent reply 1 h. Open.
 *  E created 09-08 13:00Z, shipping. Agent reply 14:00Z, status pending (waiting on the
 *    customer), no answer: auto-solve after 3 days, dated 09-11 14:00Z: resolution 73 h.
 *  F created 09-09 13:00Z, billing. Agent reply 14:00Z, pending; the customer answers 09-10:
 *    waiting on us, not auto-solved. Open.
 *  K created 08-25 13:00Z (August), billing; solved 09-03 13:00Z (216 h): only in the
 *    "solved in September" view.
 *  L created 09-01 02:00Z = 08-31 22:00 local: not in the September of dates; in the September
 *    of UTC instants, where its day is 09-01 (UTC). Open.
 *  Z (Zendesk, October) ticket.created with status SOLVED: created 10-05 13:00Z, event 18:00Z →
 *    5 h; October's backlog is still C D F L.
 *
 * September by creation: A B B2 C D E F = 7 tickets; solved A 3, B 2, B2 1, E 73 h → 4, median
 * 2.5 h. Backlog at 10-01T03:00Z: C D F L = 4. First replies: A C D E F, each 1 h. SLA: 7 judged
 * (5 replied, 2 solved), none breached.
 * September by solve: A B B2 E K = 5 tickets, resolutions 1 2 3 73 216 → median 3 h.
 * Classifier (created cohort, triaged A C D E F): predicted billing A C F, shipping D E; final
 * billing A F, shipping C D E. Precision billing 2/3, shipping 2/2; recall billing 2/2,
 * shipping 2/3.
 */
let deps: TestDeps;
let app: ReturnType<typeof createApp>;
let integrationKey: string;
let managerKey: string;
let agent: { cookie: string; csrf: string };
const ids: Record<string, string> = {};
let eventNo = 0;
let september: MetricsFilter;
let summary: MetricsSummary;

const webhook = (event: Record<string, unknown>) =>
  app.request('/webhooks/tickets', {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${integrationKey}` },
    body: JSON.stringify({ eventId: `imp-${++eventNo}`, ...event }),
  });

async function post(event: Record<string, unknown>): Promise<string> {
  const res = await webhook(event);
  expect(res.status, JSON.stringify(event)).toBe(202);
  return ((await res.json()) as { ticketId: string }).ticketId;
}

async function open(
  key: string,
  at: string | null,
  triage?: { category: string; corrected?: string },
) {
  ids[key] = await post({
    ticket: { externalId: key, subject: `Ticket ${key}` },
    requester: { email: `${key.toLowerCase()}@example.com` },
    message: { body: `Question ${key}`, ...(at ? { createdAt: at } : {}) },
  });
  if (triage) {
    await deps.db.execute(sql`insert into ticket_triage (ticket_id, category, confidence,
        decided_by, priority, sentiment, corrected_category)
      values (${ids[key]}, ${triage.category}, 0.9, 'classifier', 'normal', 'neutral',
        ${triage.corrected ?? null})`);
  }
}

const reply = (key: string, at: string, authorKind: 'agent' | 'customer' = 'agent') =>
  post({
    ticket: { externalId: key },
    message: { body: `Reply (${key} ${at})`, createdAt: at, authorKind },
  });
const setStatus = (key: string, status: string, occurredAt?: string) =>
  post({ ...(occurredAt ? { occurredAt } : {}), ticket: { externalId: key, status } });

const api = async <T>(url: string): Promise<T> => {
  const res = await app.request(url, { headers: { authorization: `Bearer ${managerKey}` } });
  expect(res.status, url).toBe(200);
  return (await res.json()) as T;
};

const dashboardParams = (over: Partial<DashboardParams> = {}): DashboardParams => ({
  from: '2026-09-01',
  to: '2026-09-30',
  period: 'day',
  basis: 'created',
  slices: {},
  ...over,
});

const count = async (query: ReturnType<typeof sql>) =>
  rowsOf<{ n: number }>(await deps.db.execute(query))[0]!.n;

beforeAll(async () => {
  deps = await createTestDeps({
    TIME_ZONE: 'America/Santiago',
    SLA_MINUTES: '{"normal":480}',
    AUTO_SOLVE_DAYS: '3',
  });
  app = createApp(deps);
  integrationKey = (await createApiKey(deps.db, { name: 'importer', role: 'integration' })).key;
  managerKey = (await createApiKey(deps.db, { name: 'manager', role: 'manager' })).key;
  await createUser(deps.db, {
    email: 'ana@example.com',
    name: 'Ana',
    role: 'agent',
    password: 'a long enough password',
    teamId: null,
  });
  agent = await signInOverHttp(app, deps.db, 'ana@example.com', 'a long enough password');

  await open('A', '2026-09-01T13:00:00Z', { category: 'billing' });
  await reply('A', '2026-09-01T14:00:00Z');
  await setStatus('A', 'solved', '2026-09-01T16:00:00Z');

  ids.B = await post({
    occurredAt: '2026-09-02T15:00:00Z',
    ticket: { externalId: 'B', subject: 'Imported solved', status: 'solved' },
    message: { body: 'Old question B', createdAt: '2026-09-02T13:00:00Z' },
  });
  ids.B2 = await post({
    occurredAt: '2026-09-03T14:00:00Z',
    ticket: { externalId: 'B2', subject: 'Imported closed', status: 'closed' },
    message: { body: 'Old question B2', createdAt: '2026-09-03T13:00:00Z' },
  });

  await open('C', '2026-09-06T03:30:00Z', { category: 'billing', corrected: 'shipping' });
  await reply('C', '2026-09-06T04:30:00Z');
  await open('D', '2026-09-06T04:30:00Z', { category: 'shipping' });
  await reply('D', '2026-09-06T05:30:00Z');

  await open('E', '2026-09-08T13:00:00Z', { category: 'shipping' });
  await reply('E', '2026-09-08T14:00:00Z');
  await setStatus('E', 'pending', '2026-09-08T14:00:00Z');
  await open('F', '2026-09-09T13:00:00Z', { category: 'billing' });
  await reply('F', '2026-09-09T14:00:00Z');
  await setStatus('F', 'pending', '2026-09-09T14:00:00Z');
  await reply('F', '2026-09-10T13:00:00Z', 'customer');

  await open('K', '2026-08-25T13:00:00Z', { category: 'billing' });
  await reply('K', '2026-08-25T14:00:00Z');
  await setStatus('K', 'solved', '2026-09-03T13:00:00Z');
  await open('L', '2026-09-01T02:00:00Z');

  // The hourly job's pass, as it would run on 09-12: E's wait ran out on 09-11 14:00Z.
  expect(
    await autoSolveWaitingTickets(deps.db, {
      days: deps.config.AUTO_SOLVE_DAYS,
      now: new Date('2026-09-12T00:00:00Z'),
    }),
  ).toBe(1);

  await refreshTicketMetrics(deps.db, deps.config, { full: true });
  const period = await resolvePeriod(deps.db, deps.config.TIME_ZONE, {
    from: '2026-09-01',
    to: '2026-09-30',
  });
  september = { from: period.from, to: period.to };
  summary = await metricsSummary(deps.db, deps.config, september);
}, 60_000);
afterAll(() => deps?.cleanup());

describe('imported and replayed tickets', () => {
  it('a ticket created solved or closed is on record as solved at its event time', async () => {
    const status = rowsOf<{ id: string; status: string }>(
      await deps.db.execute(sql`select id, status from tickets where id in (${ids.B}, ${ids.B2})`),
    );
    expect(Object.fromEntries(status.map((r) => [r.id, r.status]))).toEqual({
      [ids.B!]: 'solved',
      [ids.B2!]: 'closed',
    });
    const facts = rowsOf<{ ticket_id: string; resolution_seconds: number }>(
      await deps.db.execute(sql`select ticket_id, resolution_seconds from ticket_metrics
        where ticket_id in (${ids.B}, ${ids.B2})`),
    );
    expect(
      Object.fromEntries(facts.map((r) => [r.ticket_id, Number(r.resolution_seconds)])),
    ).toEqual({ [ids.B!]: 2 * 3600, [ids.B2!]: 3600 });
  });

  it('is never queued for triage, so never drafted', async () => {
    expect(
      await count(sql`select count(*)::int as n from outbox where job_name = 'triage'
        and payload ->> 'ticketId' in (${ids.B}, ${ids.B2})`),
    ).toBe(0);
    // A ticket opened the ordinary way is.
    expect(
      await count(sql`select count(*)::int as n from outbox where job_name = 'triage'
        and payload ->> 'ticketId' = ${ids.A}`),
    ).toBe(1);
    expect(
      await count(
        sql`select count(*)::int as n from drafts where ticket_id in (${ids.B}, ${ids.B2})`,
      ),
    ).toBe(0);
  });

  it('is not in the backlog and not breached', () => {
    expect(summary.tickets).toBe(7);
    expect(summary.backlog).toBe(4);
    expect(summary.slaJudged).toBe(7);
    expect(summary.slaBreached).toBe(0);
    expect(summary.slaBreachRate).toBe(0);
  });

  it('a Zendesk ticket.created with a solved status is imported solved at the event time', async () => {
    // Created 10-05 13:00Z, the event (an import) at 18:00Z: 5 h. October holds nothing else.
    const event = zendeskTicketCreated('88001');
    const parsed = zendeskEventSchema.parse({
      ...event,
      time: '2026-10-05T18:00:00Z',
      detail: { ...event.detail, status: 'SOLVED', created_at: '2026-10-05T13:00:00Z' },
    });
    const result = await acceptDelivery(
      deps.db,
      normalizeZendeskEvent(parsed, { scheme: 'zendesk-hmac' } as never),
    );
    expect(result.outcome).toBe('accepted');
    expect(
      await count(sql`select count(*)::int as n from outbox where job_name = 'triage'
        and payload ->> 'ticketId' = ${result.ticketId}`),
    ).toBe(0);
    await refreshTicketMetrics(deps.db, deps.config, { ticketIds: [result.ticketId!] });
    const october = await resolvePeriod(deps.db, deps.config.TIME_ZONE, {
      from: '2026-10-01',
      to: '2026-10-31',
    });
    const s = await metricsSummary(deps.db, deps.config, october);
    expect(s).toMatchObject({ tickets: 1, solved: 1, slaBreached: 0, backlog: 4 });
    expect(s.resolutionMedianHours).toBeCloseTo(5);
  });

  it('times never run backwards: no message, or a solve dated before the ticket', async () => {
    // Announced solved with no message: created when the event says, not on arrival (which
    // would put the solve months before the creation).
    const n = await post({
      occurredAt: '2026-11-10T10:00:00Z',
      ticket: { externalId: 'N', subject: 'Imported without a message', status: 'solved' },
    });
    // A solve the sender dates before the ticket's first message: dated at its creation.
    await open('P', '2026-11-11T10:00:00Z');
    await setStatus('P', 'solved', '2026-11-01T00:00:00Z');
    await refreshTicketMetrics(deps.db, deps.config, { ticketIds: [n, ids.P!] });
    const facts = rowsOf<{
      ticket_id: string;
      created_at: Date | string;
      resolution_seconds: number;
    }>(
      await deps.db.execute(sql`select ticket_id, created_at, resolution_seconds from ticket_metrics
        where ticket_id in (${n}, ${ids.P})`),
    );
    expect(
      Object.fromEntries(
        facts.map((r) => [
          r.ticket_id,
          [new Date(r.created_at).toISOString(), Number(r.resolution_seconds)],
        ]),
      ),
    ).toEqual({
      [n]: ['2026-11-10T10:00:00.000Z', 0],
      [ids.P!]: ['2026-11-11T10:00:00.000Z', 0],
    });
  });

  it('a Zendesk trigger delivered late keeps the ticket update time it fired on', async () => {
    const trigger = async (status: string, updatedAt: string, comment?: string) => {
      const body = structuredClone(zendeskTriggerTemplate);
      body.ticket = {
        ...body.ticket,
        id: '88002',
        subject: 'Late trigger',
        status,
        priority: 'Normal',
        tags: '',
        via: 'Mail',
        updated_at: updatedAt,
        requester: { email: 'late@example.com', name: 'Late' },
      };
      body.comment = { body: comment ?? '', is_public: 'true', author_email: 'late@example.com' };
      const result = await acceptDelivery(
        deps.db,
        normalizeZendeskTrigger(zendeskTriggerSchema.parse(body), {
          scheme: 'zendesk-hmac',
        } as never),
      );
      expect(result.outcome).toBe('accepted');
      return result.ticketId!;
    };
    const id = await trigger('Open', '2026-11-20T10:00:00Z', 'My parcel never came');
    await trigger('Solved', '2026-11-20T13:00:00Z');
    await refreshTicketMetrics(deps.db, deps.config, { ticketIds: [id] });
    const [facts] = rowsOf<{ created_at: Date | string; resolution_seconds: number }>(
      await deps.db.execute(sql`select created_at, resolution_seconds from ticket_metrics
        where ticket_id = ${id}`),
    );
    expect(new Date(facts!.created_at).toISOString()).toBe('2026-11-20T10:00:00.000Z');
    expect(Number(facts!.resolution_seconds)).toBe(3 * 3600);
  });

  it('a solve delivered months late is dated by occurredAt', async () => {
    const [solve] = rowsOf<{ created_at: Date | string }>(
      await deps.db.execute(sql`select created_at from ticket_events
        where ticket_id = ${ids.A} and type = 'solved'`),
    );
    expect(new Date(solve!.created_at).toISOString()).toBe('2026-09-01T16:00:00.000Z');
  });

  it('refuses an occurredAt in the future with a 400 naming the field; allows small skew', async () => {
    await open('H', null);
    const ahead = (ms: number) => new Date(Date.now() + ms).toISOString();
    const refused = await webhook({
      occurredAt: ahead(3_600_000),
      ticket: { externalId: 'H', status: 'solved' },
    });
    expect(refused.status).toBe(400);
    const body = (await refused.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('validation_failed');
    expect(body.error.message).toMatch(/^occurredAt: is in the future/);
    const future = await webhook({
      ticket: { externalId: 'H' },
      message: { body: 'From the future', createdAt: ahead(3_600_000) },
    });
    expect(future.status).toBe(400);
    expect(((await future.json()) as { error: { message: string } }).error.message).toMatch(
      /^message\.createdAt: is in the future/,
    );
    expect(
      await count(sql`select count(*)::int as n from ticket_events
        where ticket_id = ${ids.H} and type = 'solved'`),
    ).toBe(0);

    // Two minutes ahead is clock skew: accepted, and dated at its arrival instead.
    const before = Date.now();
    await setStatus('H', 'solved', ahead(120_000));
    const [solve] = rowsOf<{ created_at: Date | string }>(
      await deps.db.execute(sql`select created_at from ticket_events
        where ticket_id = ${ids.H} and type = 'solved'`),
    );
    const at = new Date(solve!.created_at).getTime();
    expect(at).toBeGreaterThanOrEqual(before - 1000);
    expect(at).toBeLessThanOrEqual(Date.now());
  });
});

describe('solving without a helpdesk', () => {
  it('auto-solve solved the ticket waiting on the customer, dated when the wait ran out', async () => {
    const facts = rowsOf<{ ticket_id: string; solved_at: Date | string | null }>(
      await deps.db.execute(sql`select ticket_id, solved_at from ticket_metrics
        where ticket_id in (${ids.E}, ${ids.F})`),
    );
    const solvedAt = Object.fromEntries(
      facts.map((r) => [r.ticket_id, r.solved_at && new Date(r.solved_at).toISOString()]),
    );
    expect(solvedAt[ids.E!]).toBe('2026-09-11T14:00:00.000Z');
    // F's customer answered after our reply: waiting on us.
    expect(solvedAt[ids.F!]).toBeNull();
  });

  it('resolution figures of the month include the imported and auto-solved tickets', () => {
    // A 3, B 2, B2 1, E 73 h.
    expect(summary.solved).toBe(4);
    expect(summary.resolutionRate).toBeCloseTo(4 / 7);
    expect(summary.resolutionMedianHours).toBeCloseTo(2.5);
    expect(summary.replied).toBe(5);
    expect(summary.firstResponseMedianHours).toBeCloseTo(1);
  });

  it('an agent solves a ticket from its page; a Zendesk ticket is left to Zendesk', async () => {
    await open('G', null);
    const page = await app.request(`/app/tickets/${ids.G}`, { headers: { cookie: agent.cookie } });
    expect(await page.text()).toContain(`action="/app/tickets/${ids.G}/solve"`);
    const solve = () =>
      app.request(`/app/tickets/${ids.G}/solve`, {
        method: 'POST',
        headers: {
          cookie: agent.cookie,
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: new URLSearchParams({ _csrf: agent.csrf }).toString(),
      });
    const res = await solve();
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(`/app/tickets/${ids.G}?notice=solved`);
    expect((await solve()).headers.get('location')).toBe(
      `/app/tickets/${ids.G}?notice=already_solved`,
    );
    const events = rowsOf<{ actor_kind: string }>(
      await deps.db.execute(sql`select actor_kind from ticket_events
        where ticket_id = ${ids.G} and type = 'solved'`),
    );
    expect(events).toEqual([{ actor_kind: 'agent' }]);
    // Solved: the page offers no second solve.
    const after = await app.request(`/app/tickets/${ids.G}`, { headers: { cookie: agent.cookie } });
    expect(await after.text()).not.toContain(`/app/tickets/${ids.G}/solve`);

    // Without the CSRF token nothing happens.
    await open('G2', null);
    const forged = await app.request(`/app/tickets/${ids.G2}/solve`, {
      method: 'POST',
      headers: { cookie: agent.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: '',
    });
    expect(forged.status).toBe(403);
    expect(
      await count(sql`select count(*)::int as n from tickets
        where id = ${ids.G2} and status = 'solved'`),
    ).toBe(0);

    await deps.db.execute(sql`update tickets set source = 'zendesk' where id = ${ids.G2}`);
    const zendesk = await app.request(`/app/tickets/${ids.G2}/solve`, {
      method: 'POST',
      headers: { cookie: agent.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: agent.csrf }).toString(),
    });
    expect(zendesk.headers.get('location')).toBe(`/app/tickets/${ids.G2}?notice=helpdesk_owned`);
  });
});

describe('classifier precision and recall, the same in the API and on the dashboard', () => {
  it('precision by predicted category, recall by final category', async () => {
    const fromApi = await api<Awaited<ReturnType<typeof classifierMetrics>>>(
      '/api/metrics/classifier?from=2026-09-01&to=2026-09-30',
    );
    const dashboard = await loadDashboard(deps, dashboardParams());
    const by = Object.fromEntries(fromApi.byCategory.map((r) => [r.category, r]));
    expect(by.billing).toMatchObject({ predicted: 3, actual: 2, correct: 2, recall: 1 });
    expect(by.billing!.precision).toBeCloseTo(2 / 3);
    expect(by.shipping).toMatchObject({ predicted: 2, actual: 3, correct: 2, precision: 1 });
    expect(by.shipping!.recall).toBeCloseTo(2 / 3);
    expect(dashboard.classifier.byCategory).toEqual(fromApi.byCategory);
    expect(fromApi).toMatchObject({ triaged: 5, corrected: 1 });
    // The same table as CSV, from the API and from the dashboard's export.
    const res = await app.request(
      '/api/metrics/classifier?from=2026-09-01&to=2026-09-30&format=csv&table=byCategory',
      { headers: { authorization: `Bearer ${managerKey}` } },
    );
    const csv = (await res.text()).trimEnd().split('\r\n');
    expect(csv[0]).toBe('category,predicted,actual,correct,precision,recall');
    expect(csv).toContain(`billing,3,2,2,${2 / 3},1`);
    expect(csv).toContain(`shipping,2,3,2,1,${2 / 3}`);
    const exported = await dashboardCsv(deps, dashboardParams(), 'classifier');
    expect(exported.rows).toEqual(fromApi.byCategory);
  });
});

describe('one time-zone rule; day starts from Postgres', () => {
  it('the Santiago DST day starts at 01:00 local (04:00Z), in the API and the dashboard', async () => {
    const day = await resolvePeriod(deps.db, deps.config.TIME_ZONE, {
      from: '2026-09-06',
      to: '2026-09-06',
    });
    expect(day.from.toISOString()).toBe('2026-09-06T04:00:00.000Z');
    expect(day.to.toISOString()).toBe('2026-09-07T03:00:00.000Z');
    // C (03:30Z) belongs to 09-05, D (04:30Z) to 09-06.
    const onDay = await api<{ metrics: MetricsSummary }>(
      '/api/metrics/summary?from=2026-09-06&to=2026-09-06',
    );
    expect(onDay.metrics.tickets).toBe(1);
    const dashboard = await loadDashboard(
      deps,
      dashboardParams({ from: '2026-09-06', to: '2026-09-06' }),
    );
    expect(dashboard.summary.tickets).toBe(1);
    expect(dashboard.filter.from.toISOString()).toBe('2026-09-06T04:00:00.000Z');
    const series = await metricsBy(deps.db, deps.config, september, 'day');
    expect(series.map((r) => [r.key, r.tickets])).toEqual([
      ['2026-09-01', 1],
      ['2026-09-02', 1],
      ['2026-09-03', 1],
      ['2026-09-05', 1],
      ['2026-09-06', 1],
      ['2026-09-08', 1],
      ['2026-09-09', 1],
    ]);
  });

  it('the API and the dashboard count the same September from dates', async () => {
    const fromApi = await api<{
      from: string;
      to: string;
      timeZone: string;
      metrics: MetricsSummary;
    }>('/api/metrics/summary?from=2026-09-01&to=2026-09-30');
    const dashboard = await loadDashboard(deps, dashboardParams());
    expect(fromApi).toMatchObject({
      from: '2026-09-01T04:00:00.000Z',
      to: '2026-10-01T03:00:00.000Z',
      timeZone: 'America/Santiago',
    });
    expect(dashboard.filter.from.toISOString()).toBe(fromApi.from);
    expect(dashboard.filter.to.toISOString()).toBe(fromApi.to);
    expect(dashboard.summary.tickets).toBe(fromApi.metrics.tickets);
    expect(fromApi.metrics.tickets).toBe(7);
  });

  it('a series with UTC instants is bucketed in UTC: no day outside the query', async () => {
    const series = await api<{ timeZone: string; rows: { key: string; tickets: number }[] }>(
      '/api/metrics/timeseries?from=2026-09-01T00:00:00Z&to=2026-10-01T00:00:00Z&interval=day',
    );
    expect(series.timeZone).toBe('UTC');
    // L (09-01 02:00Z, 08-31 local) is in this September and on its UTC day; C on 09-06 UTC.
    expect(series.rows.map((r) => [r.key, r.tickets])).toEqual([
      ['2026-09-01', 2],
      ['2026-09-02', 1],
      ['2026-09-03', 1],
      ['2026-09-06', 2],
      ['2026-09-08', 1],
      ['2026-09-09', 1],
    ]);
    // An offset is honoured as given: 09-01 00:00 at −04:00 is 04:00Z, so L is out.
    const local = await api<{ timeZone: string; rows: { key: string; tickets: number }[] }>(
      '/api/metrics/timeseries?from=2026-09-01T00:00:00-04:00&to=2026-09-08T00:00:00-03:00',
    );
    expect(local.timeZone).toBe('-04:00');
    expect(local.rows.map((r) => [r.key, r.tickets])).toEqual([
      ['2026-09-01', 1],
      ['2026-09-02', 1],
      ['2026-09-03', 1],
      ['2026-09-05', 1],
      ['2026-09-06', 1],
    ]);
  });
});

describe('created in period and solved in period', () => {
  it('"solved in September" holds K, created in August; "created in September" does not', async () => {
    const solved = await api<{ basis: string; metrics: MetricsSummary }>(
      '/api/metrics/summary?from=2026-09-01&to=2026-09-30&basis=solved',
    );
    expect(solved.basis).toBe('solved');
    // A B B2 E K: 1 2 3 73 216 h.
    expect(solved.metrics.tickets).toBe(5);
    expect(solved.metrics.solved).toBe(5);
    expect(solved.metrics.resolutionMedianHours).toBeCloseTo(3);
    const dashboard = await loadDashboard(deps, dashboardParams({ basis: 'solved' }));
    expect(dashboard.summary.tickets).toBe(5);
    expect(dashboard.summary.resolutionMedianHours).toBeCloseTo(3);
    // By creation, K is not there.
    expect(summary.tickets).toBe(7);
    expect(summary.resolutionMedianHours).toBeCloseTo(2.5);
    // Solved-basis days are solve days in TIME_ZONE: K and B2 on 09-03, E on 09-11.
    const byDay = await metricsBy(deps.db, deps.config, { ...september, basis: 'solved' }, 'day');
    expect(byDay.map((r) => [r.key, r.tickets])).toEqual([
      ['2026-09-01', 1],
      ['2026-09-02', 1],
      ['2026-09-03', 2],
      ['2026-09-11', 1],
    ]);
  });
});
