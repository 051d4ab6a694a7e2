import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../../src/config/index.js';
import { parseBusinessHours } from '../../src/config/index.js';
import {
  businessSeconds,
  classifierMetrics,
  type MetricsSummary,
  metricsBy,
  metricsSummary,
  refreshTicketMetrics,
} from '../../src/metrics/index.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { testConfig } from '../support/deps.js';
import { insertHistory } from './support.js';

let database: TestDatabase;
let config: Config;
const from = new Date('2026-03-01T00:00:00Z');
const to = new Date('2026-04-01T00:00:00Z');
let summary: MetricsSummary;

/*
 * Business hours Mon–Fri 09:00–17:00 Europe/Berlin (UTC+1 in early March). Tickets:
 *  T1 Mon 10:00Z, agent reply 12:00Z (2 h, 2 bh), solved 14:00Z (4 h). billing, one draft sent
 *     unchanged.
 *  T2 Tue 08:00Z (09:00 Berlin), auto-sent AI reply 14:00Z (6 h, 6 bh), solved 15:00Z (7 h),
 *     no human reply → automated resolution. Predicted billing, corrected to shipping.
 *  T3 Wed 09:00Z, reply 10:00Z (1 h), solved 11:00Z, reopened 12:00Z, reply 13:00Z, solved again
 *     Thu 09:00Z → resolution 24 h to the latest solve, counted once; a draft went overdue; one
 *     draft rejected ("wrong_answer"), one sent with 5 of 20 words edited.
 *  T4 Thu 09:00Z solved 10:00Z without any reply (1 h; one-touch; SLA met by solving).
 *  T5 merged duplicate (closed + tag merged): excluded.
 *  T6 automated (bounce): excluded even though it got a reply.
 *  T7 Fri 15:00Z (16:00 Berlin), urgent (60 min SLA), reply Mon 09:00Z (10:00 Berlin):
 *     66 h calendar, 2 business hours across the weekend; still open. One draft regenerated.
 */
beforeAll(async () => {
  database = await createTestDatabase();
  config = testConfig({
    BUSINESS_HOURS: 'mon-fri 09:00-17:00',
    TIME_ZONE: 'Europe/Berlin',
    SLA_MINUTES: '{"urgent":60,"normal":1440}',
  });
  const db = database.db;
  await insertHistory(db, {
    created: '2026-03-02T10:00:00Z',
    status: 'solved',
    triage: { category: 'billing', team: 'finance' },
    replies: [['2026-03-02T12:00:00Z', 'agent']],
    events: [['2026-03-02T14:00:00Z', 'solved']],
    drafts: [{ status: 'sent', editDistance: 0, words: 10 }],
  });
  await insertHistory(db, {
    created: '2026-03-03T08:00:00Z',
    status: 'solved',
    channel: 'zendesk',
    triage: { category: 'billing', corrected: 'shipping' },
    replies: [['2026-03-03T14:00:00Z', 'ai']],
    events: [['2026-03-03T15:00:00Z', 'solved']],
    drafts: [{ status: 'sent', autoSent: true, editDistance: 0, words: 8 }],
  });
  await insertHistory(db, {
    created: '2026-03-04T09:00:00Z',
    status: 'closed',
    triage: { category: 'shipping' },
    replies: [
      ['2026-03-04T10:00:00Z', 'agent'],
      ['2026-03-04T13:00:00Z', 'agent'],
    ],
    events: [
      ['2026-03-04T10:30:00Z', 'overdue'],
      ['2026-03-04T11:00:00Z', 'solved'],
      ['2026-03-04T12:00:00Z', 'reopened'],
      ['2026-03-05T09:00:00Z', 'solved'],
    ],
    drafts: [
      { status: 'rejected', reason: 'wrong_answer' },
      { status: 'sent', editDistance: 5, words: 20 },
    ],
  });
  await insertHistory(db, {
    created: '2026-03-05T09:00:00Z',
    status: 'solved',
    triage: { category: 'billing' },
    events: [['2026-03-05T10:00:00Z', 'solved']],
  });
  await insertHistory(db, {
    created: '2026-03-05T09:30:00Z',
    status: 'closed',
    tags: ['merged'],
    triage: { category: 'billing', corrected: 'returns' },
    events: [['2026-03-05T09:40:00Z', 'solved']],
  });
  await insertHistory(db, {
    created: '2026-03-05T10:00:00Z',
    status: 'pending',
    automated: true,
    replies: [['2026-03-05T10:01:00Z', 'agent']],
  });
  await insertHistory(db, {
    created: '2026-03-06T15:00:00Z',
    status: 'pending',
    triage: { category: 'billing', priority: 'urgent', team: 'finance' },
    replies: [['2026-03-09T09:00:00Z', 'agent']],
    drafts: [{ status: 'superseded' }, { status: 'pending_approval' }],
  });
  await refreshTicketMetrics(db, config, { full: true });
  summary = await metricsSummary(db, config, { from, to });
});
afterAll(() => database.destroy());

describe('ticket metrics on hand-built histories', () => {
  it('counts tickets without automated tickets and merged duplicates', () => {
    expect(summary.tickets).toBe(5);
    expect(summary.automatedExcluded).toBe(1);
    expect(summary.mergedExcluded).toBe(1);
  });

  it('first response time: median and p90, calendar and business hours', () => {
    // Human first replies only (T2's auto-sent AI reply is reported apart).
    expect(summary.replied).toBe(3);
    // Calendar 1, 2, 66 h; business 1, 2, 2 h (T7: Fri 16–17 + Mon 9–10).
    expect(summary.firstResponseMedianHours).toBeCloseTo(2);
    expect(summary.firstResponseP90Hours).toBeCloseTo(53.2);
    expect(summary.firstResponseBusinessMedianHours).toBeCloseTo(2);
    expect(summary.firstResponseBusinessP90Hours).toBeCloseTo(2);
    expect(summary.aiReplied).toBe(1);
    expect(summary.aiFirstResponseMedianHours).toBeCloseTo(6);
  });

  it('resolution: to the latest solve, reopened tickets counted once, solved without reply', () => {
    expect(summary.solved).toBe(4);
    expect(summary.resolutionRate).toBeCloseTo(0.8);
    // 1, 4, 7, 24 h.
    expect(summary.resolutionMedianHours).toBeCloseTo(5.5);
    expect(summary.oneTouchRate).toBeCloseTo(3 / 4);
    expect(summary.solvedWithoutReply).toBe(1);
    expect(summary.reopenRate).toBeCloseTo(1 / 4);
  });

  it('SLA breach rate: late first reply or an overdue draft; solving in time meets it', () => {
    expect(summary.slaBreachRate).toBeCloseTo(2 / 5);
  });

  it('AI: acceptance, edit rate, rejection reasons, automation, time saved', () => {
    expect(summary.draftsShown).toBe(4);
    expect(summary.draftAcceptanceRate).toBeCloseTo(1 / 4);
    expect(summary.editRate).toBeCloseTo(5 / 30);
    expect(summary.draftsRejected).toBe(1);
    // The API's "wrong_answer" is the inbox's fixed code "Wrong answer".
    expect(summary.rejectionReasons).toEqual([{ reason: 'Wrong answer', count: 1 }]);
    expect(summary.automationRate).toBeCloseTo(1 / 5);
    // (1 unchanged + 1 auto-sent + 0.75 edited) × 6 min.
    expect(summary.timeSavedHours).toBeCloseTo((2.75 * 6) / 60);
  });

  it('backlog is exact at any instant, reopens included', async () => {
    expect(summary.backlog).toBe(1);
    const at = async (iso: string) =>
      (await metricsSummary(database.db, config, { from, to: new Date(iso) })).backlog;
    expect(await at('2026-03-04T11:30:00Z')).toBe(0);
    expect(await at('2026-03-04T12:30:00Z')).toBe(1);
    expect(await at('2026-03-02T11:00:00Z')).toBe(1);
  });

  it('slices by category (the corrected one), team, channel and period', async () => {
    const byCategory = await metricsBy(database.db, config, { from, to }, 'category');
    expect(byCategory.map((r) => [r.key, r.tickets])).toEqual([
      ['billing', 3],
      ['shipping', 2],
    ]);
    const byTeam = await metricsBy(database.db, config, { from, to }, 'team');
    expect(byTeam.map((r) => [r.key, r.tickets])).toEqual([
      ['(none)', 3],
      ['finance', 2],
    ]);
    const byDay = await metricsBy(database.db, config, { from, to }, 'day');
    expect(byDay.map((r) => r.key)).toEqual([
      '2026-03-02',
      '2026-03-03',
      '2026-03-04',
      '2026-03-05',
      '2026-03-06',
    ]);
    const byWeek = await metricsBy(database.db, config, { from, to }, 'week');
    expect(byWeek).toHaveLength(1);
    expect(byWeek[0]).toMatchObject({ key: '2026-03-02', tickets: 5 });
    const zendesk = await metricsSummary(database.db, config, {
      from,
      to,
      slices: { channel: 'zendesk' },
    });
    expect(zendesk).toMatchObject({ tickets: 1, automationRate: 1 });
  });

  it('classifier accuracy against agent corrections, merged and automated excluded', async () => {
    const c = await classifierMetrics(database.db, config, { from, to });
    expect(c.triaged).toBe(5);
    expect(c.accuracy).toBeCloseTo(4 / 5);
    expect(c.confusions).toEqual([{ predicted: 'billing', corrected: 'shipping', count: 1 }]);
    expect(summary.classifierAccuracy).toBeCloseTo(4 / 5);
  });

  it('incremental refresh picks up a new reply', async () => {
    const id = await insertHistory(database.db, {
      created: '2026-03-10T09:00:00Z',
      triage: { category: 'returns' },
    });
    let r = await refreshTicketMetrics(database.db, config);
    expect(r.full).toBe(false);
    let s = await metricsSummary(database.db, config, { from, to });
    expect(s.tickets).toBe(6);
    const { sql } = await import('drizzle-orm');
    await database.db.execute(sql`insert into ticket_events (ticket_id, type, actor_kind, created_at)
      values (${id}, 'solved', 'agent', '2026-03-10T10:00:00Z')`);
    await database.db.execute(sql`update tickets set status = 'solved' where id = ${id}`);
    r = await refreshTicketMetrics(database.db, config);
    expect(r.tickets).toBeGreaterThanOrEqual(1);
    s = await metricsSummary(database.db, config, { from, to });
    expect(s.solved).toBe(5);
  });
});

describe('business hours', () => {
  const berlin = parseBusinessHours('mon-fri 09:00-17:00')!;
  it('skips the weekend and the DST change (Berlin, 29 March 2026)', async () => {
    // Fri 16:00 CET → Mon 10:00 CEST: one hour each side of the weekend.
    const s = await businessSeconds(
      database.db,
      new Date('2026-03-27T15:00:00Z'),
      new Date('2026-03-30T08:00:00Z'),
      berlin,
      'Europe/Berlin',
    );
    expect(s).toBe(2 * 3600);
  });
  it('a whole local day on the spring change is 23 real hours', async () => {
    const allDay = parseBusinessHours('mon-sun 00:00-24:00')!;
    const s = await businessSeconds(
      database.db,
      new Date('2026-03-28T23:00:00Z'),
      new Date('2026-03-29T22:00:00Z'),
      allDay,
      'Europe/Berlin',
    );
    expect(s).toBe(23 * 3600);
  });
  it('parses and rejects specs', () => {
    expect(parseBusinessHours('mon-fri 09:00-17:00')).toEqual({
      days: [1, 2, 3, 4, 5],
      start: '09:00',
      end: '17:00',
    });
    expect(parseBusinessHours('sat,sun 10:00-14:00')?.days).toEqual([6, 7]);
    expect(parseBusinessHours('fri-mon 09:00-17:00')).toBeNull();
    expect(parseBusinessHours('mon-fri 17:00-09:00')).toBeNull();
    expect(() => testConfig({ TIME_ZONE: 'Mars/Olympus' })).toThrow(/TIME_ZONE/);
  });
});

describe('TIME_ZONE', () => {
  it('reads BUSINESS_TIMEZONE as its older name', () => {
    expect(testConfig({ BUSINESS_TIMEZONE: 'Asia/Kolkata' }).TIME_ZONE).toBe('Asia/Kolkata');
    expect(testConfig({ BUSINESS_TIMEZONE: 'Asia/Kolkata', TIME_ZONE: 'UTC' }).TIME_ZONE).toBe(
      'UTC',
    );
  });
});
