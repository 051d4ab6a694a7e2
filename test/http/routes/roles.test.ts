import { beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../../src/auth/api-keys.js';
import type { Role } from '../../../src/db/schema/api-keys.js';
import { fileTestApp } from '../../support/fixtures.js';

/**
 * Every API route states its minimum role. This table is the contract: a route that appears in
 * /openapi.json without an entry here fails the test, and for every entry an anonymous call gets
 * 401 and each lower role gets 403 — before any validation or side effect.
 */
const minimumRole: Record<string, Role> = {
  'POST /webhooks/tickets': 'integration',
  'GET /api/drafts': 'agent',
  'GET /api/drafts/{id}': 'agent',
  'POST /api/drafts/{id}/claim': 'agent',
  'POST /api/drafts/{id}/approve': 'agent',
  'POST /api/drafts/{id}/edit': 'agent',
  'POST /api/drafts/{id}/reject': 'agent',
  'POST /api/drafts/{id}/regenerate': 'agent',
  'POST /api/drafts/{id}/undo': 'agent',
  'GET /api/tickets/{id}/triage': 'agent',
  'POST /api/tickets/{id}/triage': 'agent',
  'GET /api/tickets': 'agent',
  'GET /api/tickets/{id}/drafts': 'agent',
  'POST /api/tickets/{id}/replies': 'agent',
  'POST /api/tickets/{id}/solve': 'agent',
  'POST /api/kb/search': 'agent',
  'GET /api/kb/articles': 'agent',
  'GET /api/kb/articles/{id}': 'agent',
  'POST /api/kb/articles': 'manager',
  'PUT /api/kb/articles/{id}': 'manager',
  'DELETE /api/kb/articles/{id}': 'manager',
  'GET /api/kb/articles/{id}/answered-questions': 'manager',
  'DELETE /api/kb/articles/{id}/answered-questions/{questionId}': 'manager',
  'GET /api/metrics/summary': 'manager',
  'GET /api/metrics/timeseries': 'manager',
  'GET /api/metrics/by-category': 'manager',
  'GET /api/metrics/classifier': 'manager',
  'GET /api/admin/taxonomy': 'manager',
  'PUT /api/admin/taxonomy/{name}': 'admin',
  'POST /api/admin/taxonomy/retire-starter': 'admin',
  'GET /api/admin/routing-rules': 'manager',
  'PUT /api/admin/routing-rules': 'admin',
  'GET /api/admin/classifier/versions': 'manager',
  'POST /api/admin/classifier/retrain': 'admin',
  'DELETE /api/admin/customers/{email}': 'admin',
  'GET /api/audit/ai-interactions': 'manager',
  'GET /api/audit/actions': 'manager',
};
/** Routes that authenticate otherwise (signatures, basic auth) or not at all (health). */
const notKeyAuthenticated = /^(GET \/(healthz|readyz)|POST \/webhooks\/(zendesk|email\/.*))$/;
const order: Role[] = ['integration', 'agent', 'manager', 'admin'];
const uuid = '00000000-0000-4000-8000-000000000000';

const { deps, app } = await fileTestApp();
const keys = {} as Record<Role, string>;

beforeAll(async () => {
  for (const role of order) keys[role] = (await createApiKey(deps.db, { name: role, role })).key;
});

function concrete(path: string): string {
  return path
    .replace('{id}', uuid)
    .replace('{name}', 'billing')
    .replace('{email}', 'x@example.org')
    .replace('{dimension}', 'category');
}

describe('roles on every API route', () => {
  it('every documented route has a stated minimum role', async () => {
    const doc = (await (await app.request('/openapi.json')).json()) as {
      paths: Record<string, Record<string, unknown>>;
    };
    const documented = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`),
    );
    const missing = documented.filter((r) => !(r in minimumRole) && !notKeyAuthenticated.test(r));
    expect(missing, 'add these routes to minimumRole').toEqual([]);
    const stale = Object.keys(minimumRole).filter((r) => !documented.includes(r));
    expect(stale, 'routes in the table that no longer exist').toEqual([]);
  });

  for (const [route, minimum] of Object.entries(minimumRole)) {
    const [method, path] = route.split(' ') as [string, string];
    it(`${route} needs ${minimum}`, async () => {
      const url = concrete(path);
      const anonymous = await app.request(url, { method });
      expect(anonymous.status).toBe(401);
      for (const role of order.slice(0, order.indexOf(minimum))) {
        if (minimum === 'integration') break;
        const res = await app.request(url, {
          method,
          headers: { authorization: `Bearer ${keys[role]}`, 'content-type': 'application/json' },
          body: method === 'GET' || method === 'DELETE' ? undefined : '{}',
        });
        expect(res.status, `${role} on ${route}`).toBe(403);
        const body = (await res.json()) as { error: { code: string } };
        expect(body.error.code).toBe('forbidden');
      }
    });
  }
});
