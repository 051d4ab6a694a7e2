import { beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../../src/app.js';
import { authenticate, createUser, resolveSession } from '../../../src/auth/users.js';
import { disableUser } from '../../../src/db/queries/users.js';
import { createTestDeps } from '../../support/deps.js';
import { fileTestApp } from '../../support/fixtures.js';
import { postLogin } from '../../support/sign-in.js';

/** Sign-in, cookies, CSRF and roles for the web UI, over HTTP without a browser. */
const { deps, app } = await fileTestApp();
const password = 'a long enough password';

beforeAll(async () => {
  await createUser(deps.db, { email: 'Agent@Example.com', name: 'Ada', role: 'agent', password });
  await createUser(deps.db, { email: 'boss@example.com', name: 'Bo', role: 'manager', password });
});

const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();

async function login(email: string, pw = password, next?: string) {
  return postLogin(app, { email, password: pw, ...(next ? { next } : {}) });
}

async function session(email: string) {
  const res = await login(email);
  expect(res.status).toBe(303);
  const cookie = /dp_session=([^;]+)/.exec(res.headers.get('set-cookie') ?? '')?.[1];
  if (!cookie) throw new Error('no session cookie');
  const principal = await resolveSession(deps.db, cookie);
  return { cookie: `dp_session=${cookie}`, csrf: principal!.csrfToken };
}

describe('users', () => {
  it('stores an Argon2id hash, never the password; emails are case-insensitive', async () => {
    const user = await authenticate(deps.db, 'agent@example.com', password);
    expect(user?.email).toBe('agent@example.com');
    expect(user?.passwordHash).toMatch(/^\$argon2id\$/);
    expect(user?.passwordHash).not.toContain(password);
    expect(await authenticate(deps.db, 'agent@example.com', 'wrong password!!')).toBeNull();
    expect(await authenticate(deps.db, 'nobody@example.com', password)).toBeNull();
  });

  it('refuses short passwords and duplicate emails', async () => {
    await expect(
      createUser(deps.db, { email: 'x@example.com', name: 'X', role: 'agent', password: 'short' }),
    ).rejects.toThrow(/12 characters/);
    await expect(
      createUser(deps.db, { email: 'AGENT@example.com', name: 'A', role: 'agent', password }),
    ).rejects.toThrow(/already exists/);
  });
});

describe('sign-in and session cookie', () => {
  it('sets an http-only, same-site session cookie and redirects to a local next page only', async () => {
    const res = await login('agent@example.com', password, '/app?tab=problems');
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/app?tab=problems');
    const cookie = res.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Lax/i);
    expect(cookie).toMatch(/Path=\//);
    // No open redirect through ?next=.
    for (const next of ['https://evil.example/', '//evil.example/', '/\\evil.example']) {
      expect((await login('agent@example.com', password, next)).headers.get('location')).toBe(
        '/app',
      );
    }
  });

  it('marks the cookie Secure when the public URL is https', async () => {
    const secure = await createTestDeps({ PUBLIC_URL: 'https://support.example.com' });
    try {
      await createUser(secure.db, { email: 's@example.com', name: 'S', role: 'agent', password });
      const res = await postLogin(createApp(secure), { email: 's@example.com', password });
      expect(res.headers.get('set-cookie')).toMatch(/Secure/);
    } finally {
      await secure.cleanup();
    }
  });

  it('a wrong password answers 401 with the form again, and no cookie', async () => {
    const res = await login('agent@example.com', 'definitely wrong');
    expect(res.status).toBe(401);
    expect(res.headers.get('set-cookie') ?? '').not.toContain('dp_session');
    expect(await res.text()).toContain('Wrong email or password');
  });

  it('locks an account for a while after 10 failed sign-ins (429 with Retry-After)', async () => {
    await createUser(deps.db, { email: 'target@example.com', name: 'T', role: 'agent', password });
    for (let i = 0; i < 10; i++)
      expect((await login('target@example.com', `guess ${i}xxxxxx`)).status).toBe(401);
    const locked = await login('target@example.com', password);
    expect(locked.status).toBe(429);
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('pages redirect to sign-in without a session; a disabled user loses their sessions', async () => {
    const anon = await app.request('/app');
    expect(anon.status).toBe(303);
    expect(anon.headers.get('location')).toBe('/app/login?next=%2Fapp');

    await createUser(deps.db, { email: 'leaver@example.com', name: 'L', role: 'agent', password });
    const s = await session('leaver@example.com');
    expect((await app.request('/app', { headers: { cookie: s.cookie } })).status).toBe(200);
    await disableUser(deps.db, 'leaver@example.com');
    expect((await app.request('/app', { headers: { cookie: s.cookie } })).status).toBe(303);
  });

  it('sign-out ends the session on the server', async () => {
    const s = await session('agent@example.com');
    const out = await app.request('/app/logout', {
      method: 'POST',
      headers: { cookie: s.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: form({ _csrf: s.csrf }),
    });
    expect(out.status).toBe(303);
    expect((await app.request('/app', { headers: { cookie: s.cookie } })).status).toBe(303);
  });
});

describe('CSRF and roles with a session', () => {
  it('refuses a cookie-authenticated write without the CSRF token', async () => {
    const s = await session('agent@example.com');
    const url = '/app/drafts/00000000-0000-4000-8000-000000000000/reject';
    const missing = await app.request(url, {
      method: 'POST',
      headers: { cookie: s.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: form({ reason: 'Other' }),
    });
    expect(missing.status).toBe(403);
    const wrong = await app.request(url, {
      method: 'POST',
      headers: { cookie: s.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: form({ reason: 'Other', _csrf: 'x'.repeat(32) }),
    });
    expect(wrong.status).toBe(403);
    const ok = await app.request(url, {
      method: 'POST',
      headers: { cookie: s.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: form({ reason: 'Other', _csrf: s.csrf, back: '/app' }),
    });
    // Accepted past CSRF; the draft does not exist, so the inbox says so.
    expect(ok.status).toBe(303);
    expect(ok.headers.get('location')).toBe('/app?notice=missing');
  });

  it('the JSON API accepts the session: reads freely, writes only with X-CSRF-Token', async () => {
    const s = await session('agent@example.com');
    expect((await app.request('/api/drafts', { headers: { cookie: s.cookie } })).status).toBe(200);
    const url = '/api/drafts/00000000-0000-4000-8000-000000000000/approve';
    const noToken = await app.request(url, { method: 'POST', headers: { cookie: s.cookie } });
    expect(noToken.status).toBe(403);
    const withToken = await app.request(url, {
      method: 'POST',
      headers: { cookie: s.cookie, 'x-csrf-token': s.csrf },
    });
    expect(withToken.status).toBe(404);
  });

  it('an agent session cannot use manager routes; a manager session can', async () => {
    const agent = await session('agent@example.com');
    const manager = await session('boss@example.com');
    expect(
      (await app.request('/api/metrics/summary', { headers: { cookie: agent.cookie } })).status,
    ).toBe(403);
    expect(
      (await app.request('/app/dashboard', { headers: { cookie: agent.cookie } })).status,
    ).toBe(403);
    expect(
      (await app.request('/api/metrics/summary', { headers: { cookie: manager.cookie } })).status,
    ).toBe(200);
    expect(
      (await app.request('/app/dashboard', { headers: { cookie: manager.cookie } })).status,
    ).toBe(200);
  });

  it('pages are not cacheable or frameable and carry a strict CSP', async () => {
    const res = await app.request('/app/login');
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
  });
});
