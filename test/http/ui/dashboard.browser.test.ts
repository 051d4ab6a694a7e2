import { sql } from 'drizzle-orm';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type DashboardParams,
  periodKeys,
  toMetricsFilter,
} from '../../../src/http/ui/dashboard-data.js';
import { type KpiMetric, kpis, kpiText } from '../../../src/http/ui/pages/dashboard.js';
import {
  type MetricsSummary,
  metricsSummary,
  refreshTicketMetrics,
} from '../../../src/metrics/index.js';
import { type History, insertHistory } from '../../metrics/support.js';
import { createUserWithRole, screenshot, signIn } from '../../support/browser.js';
import type { TestDeps } from '../../support/deps.js';
import { type BrowserStack, startBrowserStack } from '../../support/fixtures.js';

/**
 * The manager dashboard in Chromium against the real app: a month of generated support history
 * (replies, solves, reopens, drafts approved / edited / rejected / auto-sent, triage corrections),
 * KPI cards equal to metricsSummary, Chart.js charts drawn with data under the strict CSP, filters
 * applied to every number (Bull Board: queue-board.browser.test.ts).
 */
let stack: BrowserStack;
let deps: TestDeps;
let server: { url: string; close(): Promise<void> };
let browser: Browser;
let managerEmail: string;

const TZ = 'Europe/Berlin';
// Four whole weeks (Monday to Sunday) across the end of summer time on 25 October.
const range = { from: '2026-10-05', to: '2026-11-01' };

/** Deterministic pseudo-random numbers (mulberry32), so every run seeds the same history. */
function random(seed: number) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const categories = ['billing', 'shipping', 'account', 'returns'] as const;
const teams: Record<(typeof categories)[number], string> = {
  billing: 'finance',
  shipping: 'logistics',
  returns: 'logistics',
  account: 'accounts',
};
const reasons = ['Wrong answer', 'Missing information', 'Wrong tone', 'Policy or legal concern'];
/** Some rejections carry the agent's free-text note after the code, as the inbox stores it. */
const withNote = (reason: string) =>
  reason === 'Wrong tone' ? `${reason}: too formal for a returning customer` : reason;

function generateHistory(count: number): { history: History; language: string }[] {
  const rand = random(20261005);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const at = (base: number, hours: number) => new Date(base + hours * 3_600_000).toISOString();
  const start = Date.parse('2026-10-05T06:00:00Z');
  return Array.from({ length: count }, () => {
    const created =
      start + Math.floor(rand() * 28) * 86_400_000 + Math.floor(rand() * 12 * 60) * 60_000;
    const category = pick(categories);
    const corrected = rand() < 0.18 ? pick(categories.filter((c) => c !== category)) : undefined;
    const h: History = {
      created: at(created, 0),
      channel: pick(['email', 'email', 'email', 'zendesk', 'chat', 'web']),
      triage: {
        category,
        corrected,
        priority: pick(['low', 'normal', 'normal', 'normal', 'high', 'urgent']),
        team: teams[corrected ?? category],
      },
    };
    const outcome = rand();
    if (outcome < 0.15) {
      // Answered and solved by an auto-sent AI draft.
      h.replies = [[at(created, 0.1), 'ai']];
      h.events = [[at(created, 0.5), 'solved']];
      h.drafts = [{ status: 'sent', autoSent: true, editDistance: 0, words: 60 }];
      h.status = 'solved';
    } else if (outcome < 0.85) {
      const firstReply = 0.2 + rand() * 30;
      const rejected = outcome > 0.7;
      const edited = !rejected && rand() < 0.4;
      h.drafts = rejected
        ? [{ status: 'rejected', reason: withNote(pick(reasons)) }]
        : [{ status: 'sent', editDistance: edited ? 1 + Math.floor(rand() * 15) : 0, words: 60 }];
      h.replies = [[at(created, firstReply), 'agent']];
      h.events = [];
      if (rand() < 0.15) h.events.push([at(created, 26), 'overdue']);
      if (rand() < 0.75) {
        h.events.push([at(created, firstReply + 2), 'solved']);
        h.status = 'solved';
        if (rand() < 0.15) {
          h.events.push([at(created, firstReply + 30), 'reopened']);
          h.replies.push([at(created, firstReply + 32), 'agent']);
          h.events.push([at(created, firstReply + 33), 'solved']);
        }
      }
    } else {
      // Still waiting for a first reply; the older ones went overdue.
      h.drafts = [{ status: 'pending_approval' }];
      h.events = rand() < 0.5 ? [[at(created, 25), 'overdue']] : [];
    }
    return { history: h, language: pick(['en', 'en', 'en', 'de', 'fr']) };
  });
}

function paramsFor(overrides: Partial<DashboardParams> = {}): DashboardParams {
  return { ...range, period: 'day', basis: 'created', slices: {}, ...overrides };
}

async function expectedSummary(params: DashboardParams): Promise<MetricsSummary> {
  return metricsSummary(deps.db, deps.config, await toMetricsFilter(deps.db, params, TZ));
}

async function kpiTexts(page: Page): Promise<Record<KpiMetric, string>> {
  const out = {} as Record<KpiMetric, string>;
  for (const k of kpis) {
    out[k.metric] = (await page.getByTestId(`kpi-${k.metric}`).textContent()) ?? '';
  }
  return out;
}

const expectedTexts = (summary: MetricsSummary) =>
  Object.fromEntries(kpis.map((k) => [k.metric, kpiText(k.metric, summary)]));

interface ChartProbe {
  id: string;
  hasChart: boolean;
  labels: number;
  /** Non-null points per dataset. */
  points: number[];
  /** Canvas pixels with any paint (the canvas starts fully transparent). */
  painted: number;
  total: number;
}

// Runs in the page (the test's tsconfig has no DOM types, so it is passed as source).
const probeCharts = `[...document.querySelectorAll('canvas[data-chart]')].map((canvas) => {
  const chart = window.Chart.getChart(canvas);
  const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
  let painted = 0;
  for (let i = 3; i < pixels.length; i += 4) if (pixels[i] > 0) painted++;
  return {
    id: canvas.dataset.chart,
    hasChart: Boolean(chart),
    labels: chart ? chart.data.labels.length : 0,
    points: chart ? chart.data.datasets.map((d) => d.data.filter((v) => v !== null).length) : [],
    painted,
    total: canvas.width * canvas.height,
  };
})`;

/** Records Content-Security-Policy violations from the first script on. */
async function watchCsp(page: Page): Promise<() => Promise<string[]>> {
  await page.addInitScript(`window.__csp = [];
    document.addEventListener('securitypolicyviolation', (e) => {
      window.__csp.push(e.violatedDirective + ' ' + e.blockedURI);
    });`);
  return () => page.evaluate<string[]>('window.__csp');
}

async function newPage() {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  // Fail on the step that is stuck rather than at the test timeout.
  page.setDefaultTimeout(15_000);
  return page;
}

async function openDashboard(page: Page, search: string) {
  await page.goto(`${server.url}/app/dashboard?${search}`);
  await page.locator('body[data-charts-ready="7"]').waitFor();
  // Wait out the short draw animation: every canvas has paint.
  await page.waitForFunction(
    `[...document.querySelectorAll('canvas[data-chart]')].every((c) => {
      const px = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      for (let i = 3; i < px.length; i += 4) if (px[i] > 0) return true;
      return false;
    })`,
  );
}

beforeAll(async () => {
  stack = await startBrowserStack({
    config: {
      TIME_ZONE: TZ,
      BUSINESS_HOURS: 'mon-fri 09:00-17:00',
      SLA_MINUTES: '{"urgent":60,"high":240,"normal":1440,"low":2880}',
    },
  });
  ({ deps, server, browser } = stack);
  for (const { history, language } of generateHistory(90)) {
    const id = await insertHistory(deps.db, history);
    await deps.db.execute(sql`update tickets set language = ${language} where id = ${id}`);
  }
  await refreshTicketMetrics(deps.db, deps.config, { full: true });
  managerEmail = await createUserWithRole(deps, 'manager');
}, 180_000);

afterAll(() => stack?.close());

describe('manager dashboard', () => {
  it('shows the KPIs metricsSummary computes, and draws every chart with data', async () => {
    const page = await newPage();
    const violations = await watchCsp(page);
    await signIn(page, server.url, managerEmail, '/app/dashboard');
    await openDashboard(page, `from=${range.from}&to=${range.to}&period=day`);

    const summary = await expectedSummary(paramsFor());
    // A month of history exercises every KPI: none is empty.
    expect(summary.tickets).toBe(90);
    expect(summary.draftsRejected).toBeGreaterThan(0);
    expect(summary.classifierAccuracy).toBeLessThan(1);
    expect(await kpiTexts(page)).toEqual(expectedTexts(summary));
    expect(Object.values(await kpiTexts(page))).not.toContain('no data yet');

    const charts = await page.evaluate<ChartProbe[]>(probeCharts);
    expect(charts.map((c) => c.id)).toEqual([
      'volume',
      'first-response',
      'resolution',
      'drafts',
      'automation',
      'sla',
      'rejections',
    ]);
    for (const chart of charts) {
      expect(chart.hasChart, chart.id).toBe(true);
      // Per day, except the rejection reasons: one bar per fixed reason code.
      expect(chart.labels, chart.id).toBe(chart.id === 'rejections' ? 6 : 28);
      for (const points of chart.points) expect(points, chart.id).toBeGreaterThan(0);
      const caption = await page.locator(`#chart-${chart.id}-title`).textContent();
      // Every chart says which tickets it counts and in which time zone.
      expect(caption, chart.id).toContain(`days in ${TZ}`);
      // Axes, labels and data: well beyond a blank canvas.
      expect(chart.painted / chart.total, chart.id).toBeGreaterThan(0.01);
    }
    // The text alternative: each chart names itself and has a data table with every period.
    const volume = page.getByRole('img', {
      name: /^Ticket volume per day, 2026-10-05 to 2026-11-01/,
    });
    expect(await volume.getAttribute('aria-label')).toContain('Tickets: 90 in total');
    await page.getByText('Data table').first().click();
    expect(await page.locator('figure').first().locator('tbody tr').count()).toBe(28);

    await page.getByRole('heading', { name: 'By category' }).waitFor();
    expect(await page.getByTestId('category-table').locator('tbody tr').count()).toBe(4);
    expect(await page.getByTestId('confusion-table').locator('tbody tr').count()).toBeGreaterThan(
      0,
    );
    expect(await page.getByTestId('classifier-table').locator('tbody tr').count()).toBe(4);
    expect(await page.getByTestId('rejection-comments').textContent()).toContain(
      'Wrong tone: too formal for a returning customer',
    );
    expect(await page.getByTestId('time-zone-rule').textContent()).toContain(TZ);
    expect(await violations()).toEqual([]);
    await screenshot(page, 'dashboard');

    // Drill-down: a click on a day's bar opens the ticket list filtered to that day.
    const target = await page.evaluate<{ x: number; y: number }>(`(() => {
      const canvas = document.getElementById('chart-volume');
      const bar = window.Chart.getChart(canvas).getDatasetMeta(0).data[3];
      const box = canvas.getBoundingClientRect();
      return { x: box.left + bar.x, y: box.top + (bar.y + bar.base) / 2 };
    })()`);
    await page.mouse.click(target.x, target.y);
    await page.waitForURL(/\/app\/tickets\?/);
    const url = new URL(page.url());
    expect(url.searchParams.get('from')).toBe('2026-10-08');
    expect(url.searchParams.get('to')).toBe('2026-10-08');
    await page.close();
  });

  it('applies a changed filter to the numbers and the charts', async () => {
    const page = await newPage();
    await signIn(page, server.url, managerEmail, '/app/dashboard');
    await openDashboard(page, `from=${range.from}&to=${range.to}&period=day`);
    const before = await kpiTexts(page);

    await page.locator('select[name=channel]').selectOption('chat');
    await page.locator('select[name=period]').selectOption('week');
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.waitForURL(/channel=chat/);
    await page.locator('body[data-charts-ready="7"]').waitFor();

    const params = paramsFor({ period: 'week', slices: { channel: 'chat' } });
    const summary = await expectedSummary(params);
    expect(summary.tickets).toBeGreaterThan(0);
    expect(summary.tickets).toBeLessThan(90);
    const after = await kpiTexts(page);
    expect(after).toEqual(expectedTexts(summary));
    expect(after.tickets).not.toBe(before.tickets);
    expect(await page.locator('select[name=channel]').inputValue()).toBe('chat');

    // Weekly buckets now: Mondays of the four weeks.
    const charts = await page.evaluate<ChartProbe[]>(probeCharts);
    const weeks = periodKeys(range.from, range.to, 'week');
    expect(weeks).toEqual(['2026-10-05', '2026-10-12', '2026-10-19', '2026-10-26']);
    for (const chart of charts) {
      expect(chart.labels, chart.id).toBe(chart.id === 'rejections' ? 6 : weeks.length);
    }
    const volume = charts.find((c) => c.id === 'volume')!;
    expect(volume.points[0]).toBe(4);

    // The CSV links carry the same filters, and download with the session cookie.
    const href = await page
      .getByRole('link', { name: 'Download CSV of key figures' })
      .getAttribute('href');
    expect(href).toContain('channel=chat');
    const csv = await page.request.get(`${server.url}${href}`);
    expect(csv.status()).toBe(200);
    const [header, row] = (await csv.text()).trim().split('\r\n');
    const tickets = header!.split(',').indexOf('tickets');
    expect(row!.split(',')[tickets]).toBe(String(summary.tickets));
    await screenshot(page, 'dashboard-filtered');
    await page.close();
  });
});
