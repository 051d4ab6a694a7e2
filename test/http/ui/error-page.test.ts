import { beforeAll, describe, expect, it } from 'vitest';
import { createUser } from '../../../src/auth/users.js';
import { fileTestApp } from '../../support/fixtures.js';
import { signInOverHttp } from '../../support/sign-in.js';

const { deps, app } = await fileTestApp();
let cookie = '';
const page = { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' };

beforeAll(async () => {
  const password = 'correct horse battery staple';
  await createUser(deps.db, {
    email: 'err@example.com',
    name: 'Err',
    role: 'admin',
    teamId: null,
    password,
  });
  ({ cookie } = await signInOverHttp(app, deps.db, 'err@example.com', password));
});

describe('errors under /app, in a browser', () => {
  it('an unknown page is an HTML page with a way back, not the JSON envelope', async () => {
    const res = await app.request('/app/no-such-page', { headers: { ...page, cookie } });
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toContain('text/html');
    const html = await res.text();
    expect(html).toContain('Page not found');
    expect(html).toContain('There is no page at /app/no-such-page.');
    expect(html).toContain('href="/app"');
    expect(html).not.toContain('{"error"');
  });

  it('a form post with a stale CSRF token or after the session ended says what to do, in HTML', async () => {
    const stale = await app.request('/app/welcome/test-ticket', {
      method: 'POST',
      headers: { ...page, cookie },
      body: new URLSearchParams({ _csrf: 'stale' }),
    });
    expect(stale.status).toBe(403);
    expect(stale.headers.get('content-type')).toContain('text/html');
    expect(await stale.text()).toContain('Missing or invalid CSRF token (reload the page)');

    const ended = await app.request('/app/welcome/test-ticket', {
      method: 'POST',
      headers: page,
      body: new URLSearchParams({ _csrf: 'x' }),
    });
    expect(ended.status).toBe(401);
    const html = await ended.text();
    expect(html).toContain('Your session has ended: sign in again.');
    expect(html).toContain('href="/app/login"');
  });

  it('API clients, htmx and fetch calls keep the JSON envelope', async () => {
    const variants: Record<string, string>[] = [
      {},
      { accept: 'application/json' },
      { ...page, 'hx-request': 'true' },
    ];
    for (const headers of variants) {
      const res = await app.request('/app/no-such-page', { headers });
      expect(res.status).toBe(404);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('not_found');
    }
    const api = await app.request('/api/no-such-route', { headers: page });
    expect(api.status).toBe(404);
    expect(((await api.json()) as { error: { message: string } }).error.message).toBe(
      'No route for GET /api/no-such-route',
    );
  });
});
