import { beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../../../src/auth/api-keys.js';
import type { Role } from '../../../../src/db/schema/api-keys.js';
import { fileTestApp } from '../../../support/fixtures.js';

const { deps, app } = await fileTestApp();
const keys = {} as Record<Role, string>;

beforeAll(async () => {
  for (const role of ['integration', 'agent', 'manager', 'admin'] as const) {
    keys[role] = (await createApiKey(deps.db, { name: role, role })).key;
  }
});

const call = (role: Role | null, method: string, url: string, body?: unknown) =>
  app.request(url, {
    method,
    headers: {
      'content-type': 'application/json',
      ...(role ? { authorization: `Bearer ${keys[role]}` } : {}),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });

describe('admin API roles', () => {
  const cases: [string, string, Role, unknown?][] = [
    ['GET', '/api/admin/taxonomy', 'manager'],
    [
      'PUT',
      '/api/admin/taxonomy/warranty',
      'admin',
      { description: 'Warranty claims', examples: ['My device broke after 3 months'] },
    ],
    ['GET', '/api/admin/routing-rules', 'manager'],
    ['GET', '/api/admin/classifier/versions', 'manager'],
    ['POST', '/api/admin/classifier/retrain', 'admin'],
    ['DELETE', '/api/admin/customers/nobody@example.org', 'admin'],
  ];
  const order: Role[] = ['integration', 'agent', 'manager', 'admin'];

  for (const [method, url, minimum, body] of cases) {
    it(`${method} ${url} needs ${minimum}`, async () => {
      expect((await call(null, method, url, body)).status).toBe(401);
      for (const role of order) {
        const res = await call(role, method, url, body);
        const allowed = order.indexOf(role) >= order.indexOf(minimum);
        expect(res.status, `${role} → ${await res.clone().text()}`).toBe(
          allowed ? (method === 'POST' ? 202 : 200) : 403,
        );
      }
    });
  }

  it('the starter taxonomy and rules are there on a fresh install, and rules can be replaced', async () => {
    const taxonomy = (await (await call('manager', 'GET', '/api/admin/taxonomy')).json()) as {
      categories: { name: string }[];
    };
    expect(taxonomy.categories.map((c) => c.name)).toEqual(
      expect.arrayContaining(['billing', 'shipping', 'account', 'technical']),
    );
    const rules = {
      rules: [{ name: 'all to general', conditions: {}, actions: { team: 'general' } }],
    };
    const saved = await call('admin', 'PUT', '/api/admin/routing-rules', rules);
    expect(saved.status).toBe(200);
    const list = (await (await call('manager', 'GET', '/api/admin/routing-rules')).json()) as {
      rules: { name: string }[];
    };
    expect(list.rules.map((r) => r.name)).toEqual(['all to general']);
    const bad = await call('admin', 'PUT', '/api/admin/routing-rules', {
      rules: [{ name: 'x', conditions: { colour: ['red'] }, actions: {} }],
    });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { message: string } }).error.message).toContain(
      'rules.0.conditions',
    );
  });
});
