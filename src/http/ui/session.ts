import type { MiddlewareHandler } from 'hono';
import { roleAllows } from '../../auth/api-keys.js';
import type { SessionPrincipal } from '../../auth/users.js';
import type { Role } from '../../db/schema/api-keys.js';
import type { Deps } from '../../deps.js';
import type { AppEnv } from '../context.js';
import { checkCsrf, sessionPrincipal } from '../middleware/auth.js';

export type UiEnv = { Variables: AppEnv['Variables'] & { user: SessionPrincipal } };

/**
 * Pages need a signed-in user with at least `role`: no session → the sign-in page (coming back
 * here afterwards); too low a role → 403. Writes (form posts, htmx) must carry the CSRF token.
 */
export function requireUser(deps: Pick<Deps, 'db' | 'now'>, role: Role): MiddlewareHandler<UiEnv> {
  return async (c, next) => {
    const user = await sessionPrincipal(deps, c);
    if (!user) {
      if (c.req.method !== 'GET') return c.text('Your session has ended: sign in again', 401);
      const next = c.req.path + (new URL(c.req.url).search || '');
      return c.redirect(`/app/login?next=${encodeURIComponent(next)}`, 303);
    }
    await checkCsrf(c, user);
    c.set('principal', user);
    c.set('user', user);
    if (!roleAllows(user.role, role)) {
      return c.html(
        `<!doctype html><title>Forbidden</title><p>This page needs the ${role} role. <a href="/app">Back to the inbox</a></p>`,
        403,
      );
    }
    await next();
  };
}

/** Only same-site relative paths are allowed as post-login destinations (no open redirect). */
export function safeNext(next: string | undefined): string {
  if (!next?.startsWith('/') || next.startsWith('//') || next.startsWith('/\\')) {
    return '/app';
  }
  return next;
}
