import { setTimeout as sleep } from 'node:timers/promises';
import { deleteCookie, getCookie } from 'hono/cookie';
import { z } from 'zod';
import { createLoginThrottle } from '../../../auth/login-throttle.js';
import { safeEqual } from '../../../auth/secrets.js';
import { authenticate } from '../../../auth/users.js';
import { clientIp } from '../../middleware/rate-limit.js';
import { safeNext, signIn } from '../session.js';
import { type AuthApp, type AuthDeps, LOGIN_CSRF_COOKIE, loginPage } from './shared.js';

const loginForm = z.object({
  email: z.string().trim().max(320),
  password: z.string().max(1024),
  next: z.string().max(2000).optional(),
  _csrf: z.string().max(200).optional(),
});

/**
 * POST /app/login: sign-in.
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
export function registerLoginForm(app: AuthApp, deps: AuthDeps) {
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

  app.post('/app/login', async (c) => {
    const parsed = loginForm.safeParse(await c.req.parseBody());
    if (!parsed.success) {
      return loginPage(deps, c, { next: '/app', error: 'Enter your email and password.' }, 400);
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
        deps,
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
        deps,
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
      return loginPage(deps, c, { next, email, error: 'Wrong email or password.' }, 401);
    }
    await throttle.succeeded(attempt.keys);
    deleteCookie(c, LOGIN_CSRF_COOKIE, { path: '/app/login' });
    await signIn(deps, c, user);
    deps.log.info({ event: 'login', userId: user.id }, 'signed in');
    return c.redirect(next, 303);
  });
}
