import { Hono } from 'hono';
import { getCookie } from 'hono/cookie';
import { z } from 'zod';
import { sha256Hex } from '../../auth/secrets.js';
import { authenticate, endSession, startSession } from '../../auth/users.js';
import type { Deps } from '../../deps.js';
import type { AppEnv } from '../context.js';
import {
  checkCsrf,
  clearSessionCookie,
  SESSION_COOKIE,
  sessionPrincipal,
  setSessionCookie,
} from '../middleware/auth.js';
import { LoginPage } from './pages/login.js';
import { safeNext } from './session.js';

const loginForm = z.object({
  email: z.string().trim().max(320),
  password: z.string().max(1024),
  next: z.string().max(2000).optional(),
});

const FAILURES_ALLOWED = 10;
const FAILURE_WINDOW_SECONDS = 15 * 60;

/**
 * Sign-in and sign-out. Failed sign-ins are counted per account in Redis (10 per 15 minutes)
 * against password guessing; when Redis is unavailable the check fails open, like the API's rate
 * limits, because locking every agent out is worse than a slower brute force against scrypt.
 */
export function authPages(deps: Pick<Deps, 'db' | 'now' | 'config' | 'redis' | 'log'>) {
  const app = new Hono<AppEnv>();
  const failureKey = (email: string) =>
    `${deps.config.QUEUE_PREFIX}:login-failures:${sha256Hex(email.toLowerCase())}`;

  app.get('/app/login', async (c) => {
    const next = safeNext(c.req.query('next'));
    if (await sessionPrincipal(deps, c)) return c.redirect(next, 303);
    return c.html(<LoginPage next={next} />);
  });

  app.post('/app/login', async (c) => {
    const parsed = loginForm.safeParse(await c.req.parseBody());
    if (!parsed.success) {
      return c.html(<LoginPage next="/app" error="Enter your email and password." />, 400);
    }
    const { email, password } = parsed.data;
    const next = safeNext(parsed.data.next);
    const key = failureKey(email);
    const failures = Number((await deps.redis.get(key).catch(() => null)) ?? 0);
    if (failures >= FAILURES_ALLOWED) {
      c.header('Retry-After', String(FAILURE_WINDOW_SECONDS));
      return c.html(
        <LoginPage
          next={next}
          email={email}
          error="Too many failed sign-ins for this account. Try again in 15 minutes."
        />,
        429,
      );
    }
    const user = await authenticate(deps.db, email, password);
    if (!user) {
      await deps.redis
        .multi()
        .incr(key)
        .expire(key, FAILURE_WINDOW_SECONDS)
        .exec()
        .catch(() => {});
      deps.log.info({ event: 'login_failed' }, 'sign-in failed');
      return c.html(<LoginPage next={next} email={email} error="Wrong email or password." />, 401);
    }
    await deps.redis.del(key).catch(() => {});
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
