import { setTimeout as sleep } from 'node:timers/promises';
import { type Context, Hono } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { z } from 'zod';
import { createLoginThrottle } from '../../auth/login-throttle.js';
import { randomToken, safeEqual } from '../../auth/secrets.js';
import { authenticate, endSession, startSession } from '../../auth/users.js';
import type { Deps } from '../../deps.js';
import type { AppEnv } from '../context.js';
import {
  checkCsrf,
  clearSessionCookie,
  cookieSecure,
  SESSION_COOKIE,
  sessionPrincipal,
  setSessionCookie,
} from '../middleware/auth.js';
import { clientIp } from '../middleware/rate-limit.js';
import { LoginPage } from './pages/login.js';
import { safeNext } from './session.js';

const loginForm = z.object({
  email: z.string().trim().max(320),
  password: z.string().max(1024),
  next: z.string().max(2000).optional(),
  _csrf: z.string().max(200).optional(),
});

const LOGIN_CSRF_COOKIE = 'dp_login_csrf';

/**
 * Sign-in and sign-out.
 *
 * Guessing is throttled per client address and per (account, address), and slowed down per
 * account (src/auth/login-throttle.ts); when Redis is unavailable the check fails open, like the
 * API's rate limits, because locking every agent out is worse than a slower brute force against
 * scrypt.
 *
 * Login CSRF: without a token, any site could post its own credentials here and sign a victim
 * into the attacker's account. There is no session yet to hold a token, so the form carries a
 * random value that must match a cookie set with it (double submit); a cross-site page can
 * neither read nor set that cookie.
 */
export function authPages(deps: Pick<Deps, 'db' | 'now' | 'config' | 'redis' | 'log'>) {
  const app = new Hono<AppEnv>();
  let warnedAt = 0;
  const throttle = createLoginThrottle(deps.redis, deps.config.QUEUE_PREFIX, undefined, {
    // Once a minute at most: an outage must not turn every sign-in into a log line.
    onRedisError: (err) => {
      if (Date.now() - warnedAt < 60_000) return;
      warnedAt = Date.now();
      deps.log.warn(
        { err: (err as Error).message },
        'sign-in throttling counts in this process only: Redis did not answer',
      );
    },
  });

  const loginPage = (
    c: Context<AppEnv>,
    props: { next: string; email?: string; error?: string },
    status: 200 | 400 | 401 | 403 | 429 = 200,
  ) => {
    const csrf = randomToken(24);
    setCookie(c, LOGIN_CSRF_COOKIE, csrf, {
      httpOnly: true,
      sameSite: 'Strict',
      secure: cookieSecure(deps, c),
      path: '/app/login',
      maxAge: 2 * 3600,
    });
    return c.html(<LoginPage {...props} csrf={csrf} />, status);
  };

  app.get('/app/login', async (c) => {
    const next = safeNext(c.req.query('next'), deps.config.PUBLIC_URL);
    if (await sessionPrincipal(deps, c)) return c.redirect(next, 303);
    return loginPage(c, { next });
  });

  app.post('/app/login', async (c) => {
    const parsed = loginForm.safeParse(await c.req.parseBody());
    if (!parsed.success) {
      return loginPage(c, { next: '/app', error: 'Enter your email and password.' }, 400);
    }
    const { email, password } = parsed.data;
    const next = safeNext(parsed.data.next, deps.config.PUBLIC_URL);
    const cookieToken = getCookie(c, LOGIN_CSRF_COOKIE);
    if (!cookieToken || !parsed.data._csrf || !safeEqual(cookieToken, parsed.data._csrf)) {
      deps.log.info(
        { event: 'login_csrf_refused' },
        'sign-in refused: missing or wrong form token',
      );
      return loginPage(
        c,
        { next, email, error: 'This sign-in form has expired. Please sign in again.' },
        403,
      );
    }
    const address = clientIp(c, deps.config.TRUST_PROXY);
    const attempt = await throttle.begin(email, address);
    if (!attempt.allowed) {
      deps.log.warn({ event: 'login_throttled', scope: attempt.scope }, 'sign-in throttled');
      c.header('Retry-After', String(attempt.retryAfterSeconds));
      const minutes = Math.ceil(attempt.retryAfterSeconds / 60);
      return loginPage(
        c,
        {
          next,
          email,
          error: `Too many sign-in attempts from this address. Try again in ${minutes} minute${minutes === 1 ? '' : 's'}.`,
        },
        429,
      );
    }
    if (attempt.delayMs > 0) {
      deps.log.warn(
        { event: 'login_slowed', delayMs: attempt.delayMs },
        'sign-in slowed: many recent failures for this account',
      );
      await sleep(attempt.delayMs);
    }
    const user = await authenticate(deps.db, email, password);
    if (!user) {
      await throttle.failed(attempt.keys);
      deps.log.info({ event: 'login_failed' }, 'sign-in failed');
      return loginPage(c, { next, email, error: 'Wrong email or password.' }, 401);
    }
    await throttle.succeeded(attempt.keys);
    deleteCookie(c, LOGIN_CSRF_COOKIE, { path: '/app/login' });
    const session = await startSession(
      deps.db,
      user,
      deps.config.SESSION_TTL_HOURS * 3_600_000,
      deps.now(),
    );
    setSessionCookie(deps, c, session.token, session.expiresAt);
    deps.log.info({ event: 'login', userId: user.id }, 'signed in');
    return c.redirect(next, 303);
  });

  app.post('/app/logout', async (c) => {
    const token = getCookie(c, SESSION_COOKIE);
    const user = await sessionPrincipal(deps, c);
    if (token && user) {
      // Sign-out is a write: a cross-site form must not be able to end a session either.
      await checkCsrf(c, user);
      await endSession(deps.db, token);
    }
    clearSessionCookie(c);
    return c.redirect('/app/login', 303);
  });
  return app;
}
