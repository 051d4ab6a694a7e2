import type { Context, Hono } from 'hono';
import { setCookie } from 'hono/cookie';
import { randomToken } from '../../../auth/secrets.js';
import type { Deps } from '../../../deps.js';
import type { AppEnv } from '../../context.js';
import { cookieSecure } from '../../middleware/auth.js';
import { LoginPage } from '../pages/login.js';

/** The router sign-in and sign-out register themselves on (no user yet: AppEnv, not UiEnv). */
export type AuthApp = Hono<AppEnv>;
export type AuthDeps = Pick<Deps, 'db' | 'now' | 'config' | 'redis' | 'log'>;

export const LOGIN_CSRF_COOKIE = 'dp_login_csrf';

/** The sign-in form with a fresh login-CSRF token, set in its cookie at the same time. */
export function loginPage(
  deps: Pick<Deps, 'config'>,
  c: Context<AppEnv>,
  props: { next: string; email?: string; error?: string },
  status: 200 | 400 | 401 | 403 | 429 = 200,
) {
  const csrf = randomToken(24);
  setCookie(c, LOGIN_CSRF_COOKIE, csrf, {
    httpOnly: true,
    sameSite: 'Strict',
    secure: cookieSecure(deps, c),
    path: '/app/login',
    maxAge: 2 * 3600,
  });
  return c.html(<LoginPage {...props} csrf={csrf} />, status);
}
