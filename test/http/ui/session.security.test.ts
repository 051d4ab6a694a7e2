import { beforeAll, describe, expect, it } from 'vitest';
import { sha256Hex } from '../../../src/auth/secrets.js';
import { createUser } from '../../../src/auth/users.js';
import { safeNext } from '../../../src/http/ui/session.js';
import { fileTestApp } from '../../support/fixtures.js';
import { postLogin } from '../../support/sign-in.js';

/** Security findings on sign-in: open redirect (#1), throttling (#2), login CSRF (#8). */
const { deps, app } = await fileTestApp({
  TRUST_PROXY: '1',
  PUBLIC_URL: 'https://support.example.com',
});
const password = 'a long enough password';

beforeAll(async () => {
  for (const email of ['ada@example.com', 'bo@example.com', 'cy@example.com'])
    await createUser(deps.db, { email, name: email, role: 'agent', password });
});

const from = (address: string) => ({ 'x-forwarded-for': address });

describe('finding 1: post-login redirect stays on this site', () => {
  const bypasses = [
    'https://evil.example/',
    '//evil.example/',
    '/\\evil.example',
    '\\\\evil.example',
    '/\t/evil.example',
    '/\r/evil.example',
    '/\n/evil.example',
    '\t//evil.example',
    '/%09/evil.example', // as the form field arrives, already decoded once: see the next line
    decodeURIComponent('/%09/evil.example'),
    decodeURIComponent('/%5Cevil.example'),
    'javascript:alert(1)',
    '/javascript:alert(1)//evil.example',
    ' //evil.example',
    'https:evil.example',
    '/\u0000/evil.example',
  ];

  it.each(bypasses)('never leaves the origin for next=%j', async (next) => {
    const target = safeNext(next, 'https://support.example.com');
    const resolved = new URL(target, 'https://support.example.com');
    expect(resolved.origin).toBe('https://support.example.com');
    expect(target.startsWith('/')).toBe(true);
    expect(target.startsWith('//')).toBe(false);
    expect(target).not.toMatch(/[\t\r\n\\]/);
  });

  it('the sign-in endpoint redirects a TAB-prefixed next to /app (was off-site)', async () => {
    const res = await postLogin(
      app,
      { email: 'ada@example.com', password, next: '/\t/evil.example' },
      from('203.0.113.1'),
    );
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/app');
    const ok = await postLogin(
      app,
      { email: 'ada@example.com', password, next: '/app/tickets/1?tab=a#x' },
      from('203.0.113.1'),
    );
    expect(ok.headers.get('location')).toBe('/app/tickets/1?tab=a#x');
  });
});

describe('finding 8: login CSRF', () => {
  it('refuses a sign-in post without the form token and cookie (a cross-site form)', async () => {
    const res = await app.request('/app/login', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...from('203.0.113.2') },
      body: new URLSearchParams({ email: 'ada@example.com', password }).toString(),
    });
    expect(res.status).toBe(403);
    expect(res.headers.get('set-cookie') ?? '').not.toContain('dp_session');
    expect(await res.text()).toContain('expired');
  });

  it('refuses a token that does not match the cookie', async () => {
    const form = await app.request('/app/login');
    const cookie = /dp_login_csrf=([^;]+)/.exec(form.headers.get('set-cookie') ?? '')?.[1];
    expect(form.headers.get('set-cookie')).toMatch(/HttpOnly/);
    expect(form.headers.get('set-cookie')).toMatch(/SameSite=Strict/);
    const res = await app.request('/app/login', {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        cookie: `dp_login_csrf=${cookie}`,
        ...from('203.0.113.2'),
      },
      body: new URLSearchParams({ email: 'ada@example.com', password, _csrf: 'x'.repeat(32) }),
    });
    expect(res.status).toBe(403);
  });
});

describe('finding 2: sign-in throttling', () => {
  it('parallel failures cannot exceed the per-(account, address) limit', async () => {
    const attempts = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        postLogin(
          app,
          { email: 'bo@example.com', password: `wrong guess ${i}` },
          from('198.51.100.7'),
        ),
      ),
    );
    const statuses = attempts.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 401)).toHaveLength(10);
    expect(statuses.filter((s) => s === 429)).toHaveLength(10);
    const limited = attempts.find((r) => r.status === 429)!;
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('does not lock the account for everyone: the real user from another address signs in', async () => {
    const res = await postLogin(app, { email: 'bo@example.com', password }, from('192.0.2.55'));
    expect(res.status).toBe(303);
    expect(res.headers.get('set-cookie')).toContain('dp_session');
  });

  it('limits one address spraying many accounts', async () => {
    const address = from('198.51.100.99');
    for (let i = 0; i < 5; i++) {
      const res = await postLogin(
        app,
        { email: `nobody${i}@example.com`, password: 'wrong pw x' },
        address,
      );
      expect(res.status).toBe(401);
    }
    // 45 more attempts from this address, as if made on other accounts (each real attempt costs a
    // scrypt verification; counting them in Redis directly keeps the test fast).
    const key = `${deps.config.QUEUE_PREFIX}:login:addr:${sha256Hex('198.51.100.99')}`;
    expect(Number(await deps.redis.get(key))).toBe(5);
    await deps.redis.incrby(key, 45);
    const refused = await postLogin(app, { email: 'cy@example.com', password }, address);
    expect(refused.status).toBe(429);
    expect(await refused.text()).toContain('Too many sign-in attempts');
    // Other addresses are not affected.
    const other = await postLogin(app, { email: 'cy@example.com', password }, from('192.0.2.77'));
    expect(other.status).toBe(303);
  });
});
