import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { systemActor } from '../../src/auth/actor.js';
import { createApiKey } from '../../src/auth/api-keys.js';
import { authenticate, createUser, startSession } from '../../src/auth/users.js';
import { getDraft } from '../../src/db/queries/drafts.js';
import { saveTriage } from '../../src/db/queries/triage.js';
import { rowsOf } from '../../src/db/rows.js';
import type { Draft } from '../../src/db/schema/drafts.js';
import { kpis, kpiText } from '../../src/http/ui/pages/dashboard.js';
import { normalizeGenericEvent } from '../../src/ingest/generic/normalize.js';
import { genericTicketEventSchema } from '../../src/ingest/generic/schema.js';
import { acceptDelivery } from '../../src/ingest/intake.js';
import { normalizeZendeskEvent } from '../../src/ingest/zendesk/normalize.js';
import { zendeskEventSchema } from '../../src/ingest/zendesk/payload.js';
import {
  type MetricsSummary,
  metricsSummary,
  refreshTicketMetrics,
  resolvePeriod,
} from '../../src/metrics/index.js';
import { draftReply } from '../../src/pipeline/draft/draft.js';
import { sendManualReply } from '../../src/pipeline/reply/manual.js';
import { approveDraft, rejectDraft } from '../../src/pipeline/review/actions.js';
import { checkDraftSla } from '../../src/pipeline/review/sla.js';
import { createTestDeps, type TestDeps } from '../support/deps.js';
import { agentActor } from '../support/drafts.js';
import { importSampleKb, runPendingDeliveries } from '../support/fixtures.js';
import { TestSmtpServer } from '../support/smtp-server.js';

/*
 * SLA, first reply and review metrics as the LIVE pipeline writes them: tickets arrive through
 * the real intake (generic webhook and Zendesk events, each with its own time), drafts are written
 * by the draft step (which sets their due times), agents act through the review and reply actions,
 * replies go out through the deliver step (SMTP, or held without it), and the SLA job runs on every
 * draft afterwards. Then the numbers are read through the API and the dashboard.
 *
 * The only thing pinned by hand is the time a delivered reply went out (the deliver step stamps
 * the real clock; `pinReply` moves it to the scenario's clock).
 *
 * TIME_ZONE Europe/Berlin (UTC+1 in early March), business hours Mon–Fri 09:00–17:00.
 * SLA: urgent 60 min and low 1440 min in calendar time; normal 480 min in business hours.
 *
 *  A Zendesk, Mon 03-02 08:00Z (09:00 local), normal. Draft due 17:00 local = 16:00Z. An agent
 *    answers IN ZENDESK at 10:00Z (the draft is retired) and adds a second comment at 10:30Z;
 *    solved 11:00Z. First reply 2 h (2 bh), resolution 3 h; two replies: not one-touch. Met.
 *  B API, Tue 03-03 08:00Z, urgent (due 09:00Z). An agent writes the reply BY HAND (the draft is
 *    superseded), delivered 08:40Z: first reply 40 min. The customer follows up at 10:00Z: the new
 *    draft's clock starts there (a next-reply target, due 11:00Z), and it is retired when the
 *    ticket is solved at 10:30Z. Resolution 2.5 h, one-touch, met.
 *  C API, Wed 03-04 08:00Z, urgent (due 09:00Z). Solved 08:30Z without a reply (in time; the draft
 *    is retired), reopened by the customer 10:00Z (new draft due 11:00Z: the solve reset the
 *    clock), solved again 14:00Z (late, but the FIRST solve counts: met). Resolution to the latest
 *    solve 6 h; reopened; solved without a reply (one-touch).
 *  D API, Tue 03-10 09:00Z, low (due 03-11 09:00Z). Draft v1 rejected; the customer nudges at
 *    15:00Z ("any news?"): nothing answered the first message, so draft v2 keeps the ticket's
 *    deadline (not 03-11 15:00Z). Nobody answers: the SLA job marks v2 overdue. Breached.
 *  E API, Mon 03-09 08:00Z, normal (due 16:00Z). Draft approved unchanged, delivery HELD (no SMTP):
 *    the approval counts for acceptance and time saved; nothing reached the customer: breached.
 *  F API, OPENED BY AN AGENT Thu 03-05 09:00Z, low. The customer answers 10:00Z: the target runs
 *    from there (due 03-06 10:00Z). The draft is approved with one word added and delivered
 *    12:00Z: the first reply is that second public agent comment, 3 h after creation (3 bh). Met.
 *  G API, Fri 03-06 09:00Z, normal. The draft is AUTO-SENT, delivered 09:05Z: not a first reply,
 *    an AI first response of 5 min; it meets the SLA. The customer answers "Resolved." at 10:00Z:
 *    solved 1 h, by the AI alone (automation).
 */
let deps: TestDeps;
let smtp: TestSmtpServer;
let summary: MetricsSummary;
const ids: Record<string, string> = {};
const drafts: Record<string, Draft> = {};
/** Drafts the SLA job marked overdue. */
const overdue: string[] = [];
let eventNo = 0;

const principal = { kind: 'api_key', id: 'sla-scenario', role: 'integration', teamId: null };

async function post(event: Record<string, unknown>): Promise<string> {
  const parsed = genericTicketEventSchema.parse({ eventId: `sla-${++eventNo}`, ...event });
  const result = await acceptDelivery(deps.db, normalizeGenericEvent(parsed, principal as never), {
    solveKeywords: deps.config.SOLVE_KEYWORDS,
  });
  expect(result.outcome).toBe('accepted');
  return result.ticketId!;
}

async function zendesk(event: Record<string, unknown>): Promise<string> {
  const parsed = zendeskEventSchema.parse({
    account_id: 1,
    zendesk_event_version: '2022-11-06',
    id: `zd-${++eventNo}`,
    ...event,
  });
  const result = await acceptDelivery(
    deps.db,
    normalizeZendeskEvent(parsed, { scheme: 'zendesk-hmac' } as never),
  );
  expect(result.outcome).toBe('accepted');
  return result.ticketId!;
}

async function open(
  key: string,
  at: string,
  priority: 'low' | 'normal' | 'high' | 'urgent',
  opts: { agent?: boolean; body?: string } = {},
) {
  ids[key] = await post({
    ticket: { externalId: key, subject: `Ticket ${key}` },
    requester: { email: `${key.toLowerCase()}@example.com` },
    message: {
      body: opts.body ?? 'How do I reset my password? I cannot log in.',
      createdAt: at,
      authorKind: opts.agent ? 'agent' : 'customer',
    },
  });
  await triage(key, priority);
}

const triage = (key: string, priority: 'low' | 'normal' | 'high' | 'urgent') =>
  saveTriage(deps.db, {
    ticketId: ids[key]!,
    category: 'account',
    confidence: 0.9,
    decidedBy: 'classifier',
    priority,
    sentiment: 'neutral',
  });

const customer = (key: string, at: string, body: string) =>
  post({ ticket: { externalId: key }, message: { body, createdAt: at } });
const setStatus = (key: string, status: string, occurredAt: string) =>
  post({ occurredAt, ticket: { externalId: key, status } });

/** The draft step, as the worker runs it after triage. */
async function drafted(key: string): Promise<Draft> {
  const outcome = await draftReply(deps, { ticketId: ids[key]! });
  if (outcome.status !== 'drafted') throw new Error(`${key}: ${JSON.stringify(outcome)}`);
  return outcome.draft;
}

/** The deliver step stamps the real clock; the scenario's reply went out at `at`. */
async function pinReply(key: string, at: string) {
  await deps.db.execute(sql`update messages set created_at = ${at}::timestamptz,
      sent_at = ${at}::timestamptz
    where id = (select id from messages where ticket_id = ${ids[key]} and direction = 'outbound'
      order by created_at desc, id desc limit 1)`);
}

const iso = (d: Date | null | undefined) => d?.toISOString();

beforeAll(async () => {
  smtp = await TestSmtpServer.start();
  deps = await createTestDeps({
    SMTP_URL: `${smtp.url()}?pool=false`,
    TIME_ZONE: 'Europe/Berlin',
    BUSINESS_HOURS: 'mon-fri 09:00-17:00',
    SLA_MINUTES: '{"urgent":60,"normal":480,"low":1440}',
    SLA_BUSINESS_HOURS: 'normal',
    SOLVE_KEYWORDS: 'resolved,solved',
  });
  await importSampleKb(deps);
  const agent = agentActor('agent-1');

  // A — answered in Zendesk.
  ids.A = await zendesk({
    type: 'zen:event-type:ticket.created',
    time: '2026-03-02T08:00:00Z',
    subject: 'zen:ticket:9101',
    detail: {
      id: '9101',
      subject: 'Password',
      description: 'How do I reset my password? I cannot log in.',
      status: 'NEW',
      priority: 'NORMAL',
      requester_id: '1',
      created_at: '2026-03-02T08:00:00Z',
      via: { channel: 'web_form' },
    },
    event: {},
  });
  await triage('A', 'normal');
  drafts.A = await drafted('A');
  for (const [commentId, time, body] of [
    ['5001', '2026-03-02T10:00:00Z', 'Use the reset link on the sign-in page.'],
    ['5002', '2026-03-02T10:30:00Z', 'And the link is valid for one hour.'],
  ] as const) {
    await zendesk({
      type: 'zen:event-type:ticket.comment_added',
      time,
      subject: 'zen:ticket:9101',
      detail: { id: '9101', subject: 'Password', status: 'OPEN' },
      event: {
        comment: {
          id: commentId,
          body,
          is_public: true,
          author: { id: '42', is_staff: true, name: 'Pat' },
        },
      },
    });
  }
  await zendesk({
    type: 'zen:event-type:ticket.status_changed',
    time: '2026-03-02T11:00:00Z',
    subject: 'zen:ticket:9101',
    detail: { id: '9101', subject: 'Password', status: 'SOLVED' },
    event: { current: 'SOLVED', previous: 'OPEN' },
  });

  // B — a reply written by hand, then a follow-up.
  await open('B', '2026-03-03T08:00:00Z', 'urgent');
  drafts.B1 = await drafted('B');
  const manual = await sendManualReply(deps, {
    ticketId: ids.B!,
    actor: agent,
    text: 'Use the reset link on the sign-in page.',
    idempotencyKey: 'b-reply',
  });
  expect(manual.ok).toBe(true);
  expect(await runPendingDeliveries(deps)).toBe(1);
  await pinReply('B', '2026-03-03T08:40:00Z');
  await customer('B', '2026-03-03T10:00:00Z', 'The link does not work for me.');
  drafts.B2 = await drafted('B');
  await setStatus('B', 'solved', '2026-03-03T10:30:00Z');

  // C — solved in time, reopened, solved again late.
  await open('C', '2026-03-04T08:00:00Z', 'urgent');
  drafts.C1 = await drafted('C');
  await setStatus('C', 'solved', '2026-03-04T08:30:00Z');
  await customer('C', '2026-03-04T10:00:00Z', 'It happened again, I cannot log in.');
  drafts.C2 = await drafted('C');
  await setStatus('C', 'solved', '2026-03-04T14:00:00Z');

  // D — rejected, nudged, never answered.
  await open('D', '2026-03-10T09:00:00Z', 'low');
  drafts.D1 = await drafted('D');
  expect(
    (await rejectDraft(deps, { draftId: drafts.D1.id, actor: agent, reason: 'Wrong answer' })).ok,
  ).toBe(true);
  await customer('D', '2026-03-10T15:00:00Z', 'Any news? I still cannot reset my password.');
  drafts.D2 = await drafted('D');

  // E — approved unchanged, held: no outbound mail for this delivery.
  await open('E', '2026-03-09T08:00:00Z', 'normal');
  drafts.E = await drafted('E');
  expect((await approveDraft(deps, { draftId: drafts.E.id, actor: agent })).ok).toBe(true);
  expect(await runPendingDeliveries({ ...deps, mailer: null })).toBe(1);

  // F — opened by an agent.
  await open('F', '2026-03-05T09:00:00Z', 'low', {
    agent: true,
    body: 'We noticed failed sign-ins on your account. Do you need help?',
  });
  await customer('F', '2026-03-05T10:00:00Z', 'Yes: how do I reset my password?');
  drafts.F = await drafted('F');
  expect(
    (
      await approveDraft(deps, {
        draftId: drafts.F.id,
        actor: agent,
        finalText: `${drafts.F.bodyText.trim()} Thanks!`,
      })
    ).ok,
  ).toBe(true);
  expect(await runPendingDeliveries(deps)).toBe(1);
  await pinReply('F', '2026-03-05T12:00:00Z');

  // G — auto-sent (the approval auto-send makes once its policy says yes), then "Resolved."
  await open('G', '2026-03-06T09:00:00Z', 'normal');
  drafts.G = await drafted('G');
  const auto = await approveDraft(deps, {
    draftId: drafts.G.id,
    actor: systemActor('auto-send'),
    auto: true,
  });
  expect(auto.ok).toBe(true);
  expect(await runPendingDeliveries(deps)).toBe(1);
  await pinReply('G', '2026-03-06T09:05:00Z');
  await customer('G', '2026-03-06T10:00:00Z', 'Resolved.');

  // The SLA job, at (after) every draft's due time.
  for (const [key, draft] of Object.entries(drafts)) {
    const check = await checkDraftSla(
      { ...deps, mailer: { send: async () => {} } as never },
      draft.id,
    );
    if (check.overdue) overdue.push(key);
  }

  await refreshTicketMetrics(deps.db, deps.config, { full: true });
  const period = await resolvePeriod(deps.db, deps.config.TIME_ZONE, {
    from: '2026-03-01',
    to: '2026-03-31',
  });
  summary = await metricsSummary(deps.db, deps.config, { from: period.from, to: period.to });
}, 120_000);
afterAll(async () => {
  await deps?.cleanup();
  await smtp?.close();
});

describe('the SLA as the live pipeline drives it', () => {
  it('each draft is due from the oldest unanswered customer message', () => {
    expect(iso(drafts.A!.slaDueAt)).toBe('2026-03-02T16:00:00.000Z'); // 09:00 local + 8 bh
    expect(iso(drafts.B1!.slaDueAt)).toBe('2026-03-03T09:00:00.000Z');
    expect(iso(drafts.B2!.slaDueAt)).toBe('2026-03-03T11:00:00.000Z'); // after the 08:40 reply
    expect(iso(drafts.C1!.slaDueAt)).toBe('2026-03-04T09:00:00.000Z');
    expect(iso(drafts.C2!.slaDueAt)).toBe('2026-03-04T11:00:00.000Z'); // after the 08:30 solve
    expect(iso(drafts.D1!.slaDueAt)).toBe('2026-03-11T09:00:00.000Z');
    // The nudge answered nothing and was not answered: the ticket's own deadline.
    expect(iso(drafts.D2!.slaDueAt)).toBe('2026-03-11T09:00:00.000Z');
    expect(iso(drafts.E!.slaDueAt)).toBe('2026-03-09T16:00:00.000Z');
    // Opened by an agent at 09:00: the clock starts at the customer's answer, 10:00.
    expect(iso(drafts.F!.slaDueAt)).toBe('2026-03-06T10:00:00.000Z');
    // Friday 10:00 local + 8 bh = Monday 10:00 local.
    expect(iso(drafts.G!.slaDueAt)).toBe('2026-03-09T09:00:00.000Z');
  });

  it('drafts answered another way are retired or superseded; only the unanswered one goes overdue', async () => {
    const statuses: Record<string, string> = {};
    for (const [key, draft] of Object.entries(drafts)) {
      statuses[key] = (await getDraft(deps.db, draft.id))!.status;
    }
    expect(overdue).toEqual(['D2']);
    expect(statuses).toEqual({
      A: 'retired', // answered in Zendesk
      B1: 'superseded', // replaced by the hand-written reply
      B2: 'retired', // the ticket was solved
      C1: 'retired',
      C2: 'retired',
      D1: 'rejected',
      D2: 'pending_approval',
      E: 'delivery_failed', // approved; its delivery held (blocked, no SMTP)
      F: 'sent',
      G: 'sent',
    });
    const [held] = rowsOf<{ state: string }>(
      await deps.db.execute(sql`select state from deliveries where draft_id = ${drafts.E!.id}`),
    );
    expect(held!.state).toBe('blocked');
  });

  it('breach rate: calendar and business-hours targets, the first solve, held replies', async () => {
    expect(summary.tickets).toBe(7);
    // All seven judged; D (overdue, never answered) and E (its reply held) breached. C's second
    // solve (14:00Z) was late, its first (08:30Z) in time.
    expect(summary.slaJudged).toBe(7);
    expect(summary.slaBreached).toBe(2);
    expect(summary.slaBreachRate).toBeCloseTo(2 / 7);
    const due = Object.fromEntries(
      rowsOf<{ ticket_id: string; sla_due_at: Date | string }>(
        await deps.db.execute(sql`select ticket_id, sla_due_at from ticket_metrics`),
      ).map((r) => [r.ticket_id, new Date(r.sla_due_at).toISOString()]),
    );
    expect(due[ids.A!]).toBe('2026-03-02T16:00:00.000Z');
    expect(due[ids.C!]).toBe('2026-03-04T09:00:00.000Z');
    expect(due[ids.F!]).toBe('2026-03-06T10:00:00.000Z');
  });
});

describe('reply, resolution and review metrics from the same tickets', () => {
  it('first reply: human agents only, the second agent comment on an agent-opened ticket', () => {
    // A 2 h, B 2/3 h, F 3 h (business hours the same: all within Mon–Fri 09–17 local).
    expect(summary.replied).toBe(3);
    expect(summary.firstResponseMedianHours).toBeCloseTo(2);
    expect(summary.firstResponseP90Hours).toBeCloseTo(2 + 0.8 * 1);
    expect(summary.firstResponseBusinessMedianHours).toBeCloseTo(2);
    expect(summary.firstResponseBusinessP90Hours).toBeCloseTo(2.8);
    // G: the auto-sent reply, 5 minutes, reported apart.
    expect(summary.aiReplied).toBe(1);
    expect(summary.aiFirstResponseMedianHours).toBeCloseTo(5 / 60);
  });

  it('resolution to the latest solve, reopen, one-touch, automation, backlog', () => {
    // Solved: A 3, B 2.5, C 6, G 1 h.
    expect(summary.solved).toBe(4);
    expect(summary.resolutionMedianHours).toBeCloseTo(2.75);
    expect(summary.resolutionP90Hours).toBeCloseTo(3 + 0.7 * 3);
    expect(summary.resolutionBusinessMedianHours).toBeCloseTo(2.75);
    // A had two replies; B one, C none, G one (the AI's).
    expect(summary.oneTouchRate).toBeCloseTo(3 / 4);
    expect(summary.solvedWithoutReply).toBe(1);
    expect(summary.reopenRate).toBeCloseTo(1 / 4);
    expect(summary.automationRate).toBeCloseTo(1 / 7);
    expect(summary.backlog).toBe(3); // D, E, F
  });

  it('acceptance is a review decision: a held approval counts; delivery is its own rate', async () => {
    // Shown: E (unchanged), F (one word added), D v1 (rejected). Retired, superseded and
    // auto-sent drafts were never decided by a person; the hand-written reply is no draft.
    expect(summary.draftsShown).toBe(3);
    expect(summary.draftsApproved).toBe(2);
    expect(summary.draftAcceptanceRate).toBeCloseTo(1 / 3);
    expect(summary.draftsRejected).toBe(1);
    const e = (await getDraft(deps.db, drafts.E!.id))!;
    const f = (await getDraft(deps.db, drafts.F!.id))!;
    expect([e.editDistance, f.editDistance]).toEqual([0, 1]);
    expect(summary.editRate).toBeCloseTo(1 / (e.wordsSent! + f.wordsSent!));
    // Approved: E (held), F and G (delivered).
    expect(summary.draftsDelivered).toBe(2);
    expect(summary.draftsAwaitingDelivery).toBe(1);
    expect(summary.draftsDeliveryFailed).toBe(0);
    expect(summary.deliveryRate).toBeCloseTo(2 / 3);
    // 6 minutes × (G 1 + E 1 + F (1 − 1 / words)).
    expect(summary.timeSavedHours).toBeCloseTo((6 * (2 + 1 - 1 / f.wordsSent!)) / 60);
  });

  it('the API and the dashboard show the same numbers', async () => {
    const app = createApp(deps);
    const { key } = await createApiKey(deps.db, { name: 'manager', role: 'manager' });
    const res = await app.request('/api/metrics/summary?from=2026-03-01&to=2026-03-31', {
      headers: { authorization: `Bearer ${key}` },
    });
    expect(res.status).toBe(200);
    const api = ((await res.json()) as { metrics: MetricsSummary }).metrics;
    expect(api).toMatchObject({
      tickets: 7,
      slaBreached: 2,
      replied: 3,
      aiReplied: 1,
      draftsAwaitingDelivery: 1,
      draftsDeliveryFailed: 0,
    });
    expect(api.draftAcceptanceRate).toBeCloseTo(1 / 3);
    expect(api.deliveryRate).toBeCloseTo(2 / 3);

    const password = 'a long enough password';
    await createUser(deps.db, {
      email: 'lead@example.com',
      name: 'Lead',
      role: 'manager',
      password,
    });
    const user = await authenticate(deps.db, 'lead@example.com', password);
    const { token } = await startSession(deps.db, user!, 3_600_000);
    const page = await app.request('/app/dashboard?from=2026-03-01&to=2026-03-31', {
      headers: { cookie: `dp_session=${token}` },
    });
    expect(page.status).toBe(200);
    const html = await page.text();
    for (const { metric } of kpis) {
      expect(html, metric).toContain(`data-testid="kpi-${metric}">${kpiText(metric, api)}<`);
    }
  });
});

describe('no draft for a question already answered or a ticket already solved', () => {
  it('the draft step skips a message answered (or a ticket solved) while its job waited', async () => {
    // April: outside the month the numbers above read.
    await open('P', '2026-04-06T08:00:00Z', 'normal');
    await post({
      ticket: { externalId: 'P' },
      message: {
        body: 'Use the reset link.',
        createdAt: '2026-04-06T08:10:00Z',
        authorKind: 'agent',
      },
    });
    expect(await draftReply(deps, { ticketId: ids.P! })).toEqual({
      status: 'skipped',
      reason: 'already_answered',
    });
    await open('Q', '2026-04-07T08:00:00Z', 'normal');
    await setStatus('Q', 'solved', '2026-04-07T08:05:00Z');
    expect(await draftReply(deps, { ticketId: ids.Q! })).toEqual({
      status: 'skipped',
      reason: 'already_answered',
    });
    // The customer writes again after the answer: that question gets its draft.
    await customer('P', '2026-04-06T09:00:00Z', 'The link has expired.');
    const next = await drafted('P');
    // From 11:00 local (CEST): 6 bh on Monday, 2 on Tuesday → Tuesday 11:00 local.
    expect(iso(next.slaDueAt)).toBe('2026-04-07T09:00:00.000Z');
  });
});
