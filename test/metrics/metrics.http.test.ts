import { beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../src/auth/api-keys.js';
import type { Role } from '../../src/db/schema/api-keys.js';
import { fileTestApp } from '../support/fixtures.js';
import { insertHistory } from './support.js';

const { deps, app } = await fileTestApp();
const keys = {} as Record<Role, string>;
const range = 'from=2026-03-01&to=2026-04-01';

beforeAll(async () => {
  for (const role of ['agent', 'manager'] as const) {
    keys[role] = (await createApiKey(deps.db, { name: role, role })).key;
  }
  await insertHistory(deps.db, {
    created: '2026-03-02T10:00:00Z',
    status: 'solved',
    triage: { category: 'billing' },
    replies: [['2026-03-02T12:00:00Z', 'agent']],
    events: [['2026-03-02T14:00:00Z', 'solved']],
  });
  await insertHistory(deps.db, {
    created: '2026-03-03T10:00:00Z',
    triage: { category: 'billing', corrected: 'refunds, "partial"' },
  });
});

const get = (role: Role | null, url: string, headers: Record<string, string> = {}) =>
  app.request(url, {
    headers: { ...headers, ...(role ? { authorization: `Bearer ${keys[role]}` } : {}) },
  });

describe('/api/metrics', () => {
  const paths = [
    '/api/metrics/summary',
    '/api/metrics/timeseries',
    '/api/metrics/by-category',
    '/api/metrics/classifier',
  ];
  for (const path of paths) {
    it(`${path}: no key → 401, agent → 403, manager → 200`, async () => {
      expect((await get(null, `${path}?${range}`)).status).toBe(401);
      expect((await get('agent', `${path}?${range}`)).status).toBe(403);
      const res = await get('manager', `${path}?${range}`);
      expect(res.status, await res.clone().text()).toBe(200);
    });
  }

  it('summary JSON has the definitions computed over the period', async () => {
    const body = (await (await get('manager', `/api/metrics/summary?${range}`)).json()) as {
      metrics: Record<string, unknown>;
    };
    expect(body.metrics).toMatchObject({
      tickets: 2,
      solved: 1,
      resolutionRate: 0.5,
      firstResponseMedianHours: 2,
      backlog: 1,
      classifierAccuracy: 0.5,
    });
  });

  it('groupBy slices and the week interval', async () => {
    const byChannel = (await (
      await get('manager', `/api/metrics/by-category?${range}&groupBy=channel`)
    ).json()) as { rows: { key: string; tickets: number }[] };
    expect(byChannel.rows).toMatchObject([{ key: 'email', tickets: 2 }]);
    const weeks = (await (
      await get('manager', `/api/metrics/timeseries?${range}&interval=week`)
    ).json()) as { rows: { key: string }[] };
    expect(weeks.rows.map((r) => r.key)).toEqual(['2026-03-02']);
    expect((await get('manager', `/api/metrics/by-category?${range}&groupBy=nope`)).status).toBe(
      400,
    );
  });

  it('format=csv and Accept: text/csv return CSV with a header row', async () => {
    const res = await get('manager', `/api/metrics/by-category?${range}&format=csv`);
    expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
    const lines = (await res.text()).trimEnd().split('\r\n');
    expect(lines[0]).toMatch(/^key,tickets,solved,resolutionRate,/);
    expect(lines).toHaveLength(3);
    expect(lines[1]).toMatch(/^billing,1,1,1,/);
    expect(lines[2]).toMatch(/^"refunds, ""partial""",1,0,0,/);
    const summary = await get('manager', `/api/metrics/summary?${range}`, { accept: 'text/csv' });
    expect(summary.headers.get('content-type')).toMatch(/^text\/csv/);
    expect((await summary.text()).split('\r\n')).toHaveLength(3);
    const confusions = await (
      await get('manager', `/api/metrics/classifier?${range}&format=csv`)
    ).text();
    expect(confusions).toBe('predicted,corrected,count\r\nbilling,"refunds, ""partial""",1\r\n');
  });
});

describe('/api/metrics in the OpenAPI document', () => {
  it('lists the four endpoints', async () => {
    const doc = (await (await app.request('/openapi.json')).json()) as {
      paths: Record<string, unknown>;
    };
    for (const path of ['summary', 'timeseries', 'by-category', 'classifier']) {
      expect(doc.paths).toHaveProperty(`/api/metrics/${path}`);
    }
  });
});
