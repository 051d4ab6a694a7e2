import { beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../../src/auth/api-keys.js';
import { authenticate, createUser, startSession } from '../../../src/auth/users.js';
import type { UserRole } from '../../../src/db/schema/users.js';
import { kpiText } from '../../../src/http/ui/pages/dashboard.js';
import { metricsSummary } from '../../../src/metrics/index.js';
import { insertHistory } from '../../metrics/support.js';
import { fileTestApp } from '../../support/fixtures.js';

/**
 * The manager dashboard and Bull Board over HTTP, without a browser: who may open them, what the
 * page and its CSV exports contain, and the security headers.
 */
const { deps, app } = await fileTestApp();
const cookies = {} as Record<UserRole, string>;
const password = 'a long enough password';
const range = 'from=2026-03-01&to=2026-03-31';

beforeAll(async () => {
  for (const role of ['agent', 'manager', 'admin'] as const) {
    await createUser(deps.db, { email: `${role}@example.com`, name: role, role, password });
    const user = await authenticate(deps.db, `${role}@example.com`, password);
    const { token } = await startSession(deps.db, user!, 3_600_000);
    cookies[role] = `dp_session=${token}`;
  }
  await insertHistory(deps.db, {
    created: '2026-03-02T10:00:00Z',
    status: 'solved',
    channel: 'email',
    triage: { category: 'billing', team: 'finance' },
    replies: [['2026-03-02T12:00:00Z', 'agent']],
    events: [['2026-03-02T14:00:00Z', 'solved']],
    drafts: [{ status: 'sent', editDistance: 0, words: 10 }],
  });
  await insertHistory(deps.db, {
    created: '2026-03-03T10:00:00Z',
    channel: 'zendesk',
    triage: { category: 'billing', corrected: 'refunds, "partial"' },
    drafts: [{ status: 'rejected', reason: 'Wrong answer: cited the <old> refund policy' }],
  });
  await insertHistory(deps.db, {
    created: '2026-03-10T09:00:00Z',
    status: 'solved',
    channel: 'email',
    triage: { category: 'shipping', priority: 'high' },
    replies: [['2026-03-10T09:30:00Z', 'ai']],
    events: [['2026-03-10T10:00:00Z', 'solved']],
    drafts: [{ status: 'sent', autoSent: true, editDistance: 0, words: 12 }],
  });
});

const get = (url: string, role: UserRole | null, headers: Record<string, string> = {}) =>
  app.request(url, { headers: { ...headers, ...(role ? { cookie: cookies[role] } : {}) } });

describe('/app/dashboard access', () => {
  it('sends anonymous visitors to sign in, refuses agents, opens for managers and admins', async () => {
    const anonymous = await get(`/app/dashboard?${range}`, null);
    expect(anonymous.status).toBe(303);
    expect(anonymous.headers.get('location')).toBe(
      `/app/login?next=${encodeURIComponent(`/app/dashboard?${range}`)}`,
    );
    expect((await get('/app/dashboard', 'agent')).status).toBe(403);
    for (const role of ['manager', 'admin'] as const) {
      const res = await get(`/app/dashboard?${range}`, role);
      expect(res.status, role).toBe(200);
    }
  });

  it('guards the CSV exports the same way', async () => {
    expect((await get(`/app/dashboard/summary.csv?${range}`, null)).status).toBe(303);
    expect((await get(`/app/dashboard/summary.csv?${range}`, 'agent')).status).toBe(403);
    expect((await get(`/app/dashboard/nope.csv?${range}`, 'manager')).status).toBe(404);
  });
});

describe('/app/dashboard page', () => {
  it('shows the KPI values metricsSummary computes for the range, under the strict CSP', async () => {
    const res = await get(`/app/dashboard?${range}`, 'manager');
    const html = await res.text();
    expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(res.headers.get('cache-control')).toBe('no-store');
    const summary = await metricsSummary(deps.db, deps.config, {
      from: new Date('2026-03-01T00:00:00Z'),
      to: new Date('2026-04-01T00:00:00Z'),
    });
    expect(summary.tickets).toBe(3);
    for (const metric of ['tickets', 'resolutionRate', 'automationRate', 'backlog'] as const) {
      expect(html).toContain(`data-testid="kpi-${metric}">${kpiText(metric, summary)}<`);
    }
    // Chart data travels as JSON, not script; no inline script or style attribute anywhere.
    expect(html).toContain('<script type="application/json" id="dashboard-charts">');
    expect(html).not.toMatch(/<script(?![^>]*(src=|type="application\/json"))[^>]*>/);
    expect(html).not.toMatch(/\sstyle=/);
    // The confused pair and the rejection reason, escaped.
    expect(html).toContain('refunds, &quot;partial&quot;');
    expect(html).toContain('Wrong answer');
    expect(html).toContain('cited the &lt;old&gt; refund policy');
    // Every section links its CSV with the same filters.
    for (const section of ['summary', 'timeseries', 'by-category', 'confusions']) {
      expect(html).toContain(`/app/dashboard/${section}.csv?from=2026-03-01&amp;to=2026-03-31`);
    }
  });

  it('applies the slice filters to every number', async () => {
    const html = await (await get(`/app/dashboard?${range}&channel=zendesk`, 'manager')).text();
    expect(html).toContain('data-testid="kpi-tickets">1<');
    expect(html).toMatch(/<option value="zendesk" selected="">zendesk<\/option>/);
  });

  it('estimates time saved at the minutes per reply asked for, and says which', async () => {
    const card = (html: string) =>
      /data-metric="timeSavedHours">.*?data-testid="kpi-timeSavedHours">([^<]*)<.*?class="note">([^<]*)</s.exec(
        html,
      );
    const fallback = card(await (await get(`/app/dashboard?${range}`, 'manager')).text());
    expect(fallback?.[2]).toBe('at 6 minutes per hand-written reply');

    const html = await (await get(`/app/dashboard?${range}&ahtMinutes=12.5`, 'manager')).text();
    const summary = await metricsSummary(deps.db, deps.config, {
      from: new Date('2026-03-01T00:00:00Z'),
      to: new Date('2026-04-01T00:00:00Z'),
      ahtMinutes: 12.5,
    });
    expect(card(html)?.[1]).toBe(kpiText('timeSavedHours', summary));
    expect(card(html)?.[1]).not.toBe(fallback?.[1]);
    expect(card(html)?.[2]).toBe('at 12.5 minutes per hand-written reply');
    // The form keeps the value, and the CSV exports use it too.
    expect(html).toMatch(/name="ahtMinutes"[^>]*value="12.5"/);
    expect(html).toContain('/app/dashboard/summary.csv?from=2026-03-01&amp;to=2026-03-31');
    expect(html).toContain('ahtMinutes=12.5');
  });

  it('falls back to the default range, with a message, when from is after to', async () => {
    const html = await (
      await get('/app/dashboard?from=2026-03-10&to=2026-03-01', 'manager')
    ).text();
    expect(html).toContain('role="alert"');
    expect(html).toMatch(/is after .*To/);
  });
});

describe('/app/dashboard CSV exports', () => {
  const csv = async (path: string) => {
    const res = await get(path, 'manager');
    expect(res.status, path).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="deskpilot-/);
    return (await res.text()).trimEnd().split('\r\n');
  };

  it('exports the summary, the series, the categories, the confusions and the reasons', async () => {
    const summary = await csv(`/app/dashboard/summary.csv?${range}`);
    expect(summary).toHaveLength(2);
    const header = summary[0]!.split(',');
    expect(header.slice(0, 5)).toEqual(['from', 'to', 'timeZone', 'basis', 'tickets']);
    expect(summary[1]!.split(',')[4]).toBe('3');

    // One row per day of the range, days without tickets included.
    const days = await csv(`/app/dashboard/timeseries.csv?${range}&period=day`);
    expect(days).toHaveLength(1 + 31);
    expect(days[2]).toMatch(/^2026-03-02,1,/);
    const weeks = await csv(`/app/dashboard/timeseries.csv?${range}&period=week`);
    expect(weeks.slice(1).map((l) => l.split(',')[0])).toEqual([
      '2026-02-23',
      '2026-03-02',
      '2026-03-09',
      '2026-03-16',
      '2026-03-23',
      '2026-03-30',
    ]);

    const categories = await csv(`/app/dashboard/by-category.csv?${range}`);
    expect(categories).toHaveLength(4);
    expect(categories[1]).toMatch(/^billing,1,/);
    expect(categories[2]).toMatch(/^"refunds, ""partial""",1,/);
    expect(categories[3]).toMatch(/^shipping,1,/);
    expect(await csv(`/app/dashboard/confusions.csv?${range}`)).toEqual([
      'predicted,corrected,count',
      'billing,"refunds, ""partial""",1',
    ]);
    expect(await csv(`/app/dashboard/rejection-reasons.csv?${range}`)).toEqual([
      'reason,count',
      'Wrong answer,1',
    ]);
  });

  it('an empty range still has its header row', async () => {
    expect(await csv('/app/dashboard/confusions.csv?from=2025-01-01&to=2025-01-02')).toEqual([
      'predicted,corrected,count',
    ]);
  });

  it('the API CSV endpoints accept the same session cookie', async () => {
    const res = await get(`/api/metrics/by-category?${range}&format=csv`, 'manager');
    expect(res.status).toBe(200);
    expect(await res.text()).toMatch(/^key,tickets,/);
    expect((await get(`/api/metrics/summary?${range}&format=csv`, 'agent')).status).toBe(403);
  });
});

describe('/admin/queues (Bull Board)', () => {
  it('sends anonymous visitors to sign in and refuses agents and managers', async () => {
    const anonymous = await get('/admin/queues', null);
    expect(anonymous.status).toBe(303);
    expect(anonymous.headers.get('location')).toMatch(/^\/app\/login\?next=%2Fadmin%2Fqueues/);
    expect((await get('/admin/queues', 'agent')).status).toBe(403);
    expect((await get('/admin/queues', 'manager')).status).toBe(403);
    expect((await get('/admin/queues/api/queues', 'manager')).status).toBe(403);
  });

  it('renders for an admin, with its own CSP, and serves its UI from node_modules', async () => {
    const res = await get('/admin/queues', 'admin');
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('Deskpilot queues');
    // Its template's Google Fonts stylesheet is taken out: the page links this origin only.
    expect(html).not.toMatch(/<link[^>]*href="(https?:)?\/\//);
    expect(html).toMatch(/<link href="static\/css\/main\.[^"]+\.css" rel="stylesheet">/);
    expect(res.headers.get('content-security-policy')).toContain(
      "style-src 'self' 'unsafe-inline'",
    );
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    const script = /src="(static\/js\/main\.[^"]+\.js)"/.exec(html)?.[1];
    expect(script).toBeTruthy();
    const asset = await get(`/admin/queues/${script}`, 'admin');
    expect(asset.status).toBe(200);
    expect(asset.headers.get('content-type')).toMatch(/javascript/);
  });

  it('lists every queue through its API for an admin session or an admin API key', async () => {
    const names = Object.keys(deps.queues).sort();
    const bySession = (await (await get('/admin/queues/api/queues', 'admin')).json()) as {
      queues: { name: string }[];
    };
    expect(bySession.queues.map((q) => q.name).sort()).toEqual(names);

    const admin = (await createApiKey(deps.db, { name: 'ops', role: 'admin' })).key;
    const manager = (await createApiKey(deps.db, { name: 'boss', role: 'manager' })).key;
    const byKey = await get('/admin/queues/api/queues', null, { authorization: `Bearer ${admin}` });
    expect(byKey.status).toBe(200);
    const denied = await get('/admin/queues/api/queues', null, {
      authorization: `Bearer ${manager}`,
    });
    expect(denied.status).toBe(403);
  });

  it('accepts board writes by session only from its own origin', async () => {
    const queue = Object.keys(deps.queues)[0]!;
    const put = (headers: Record<string, string>) =>
      app.request(`http://localhost/admin/queues/api/queues/${queue}/pause`, {
        method: 'PUT',
        headers: { cookie: cookies.admin, ...headers },
      });
    expect((await put({})).status).toBe(403);
    expect((await put({ 'sec-fetch-site': 'cross-site' })).status).toBe(403);
    expect((await put({ origin: 'https://evil.example' })).status).toBe(403);
    expect((await put({ 'sec-fetch-site': 'same-origin' })).status).toBe(200);
    expect(await deps.queues[queue as keyof typeof deps.queues].isPaused()).toBe(true);
    const resume = await app.request(`http://localhost/admin/queues/api/queues/${queue}/resume`, {
      method: 'PUT',
      headers: { cookie: cookies.admin, origin: 'http://localhost' },
    });
    expect(resume.status).toBe(200);
    expect(await deps.queues[queue as keyof typeof deps.queues].isPaused()).toBe(false);
  });
});
