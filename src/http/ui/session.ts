import type { Context, MiddlewareHandler } from 'hono';
import { roleAllows } from '../../auth/api-keys.js';
import { type SessionPrincipal, startSession } from '../../auth/users.js';
import type { Role } from '../../db/schema/api-keys.js';
import type { User } from '../../db/schema/users.js';
import type { Deps } from '../../deps.js';
import type { AppEnv } from '../context.js';
import { AppError } from '../errors.js';
import { checkCsrf, sessionPrincipal, setSessionCookie } from '../middleware/auth.js';

export type UiEnv = { Variables: AppEnv['Variables'] & { user: SessionPrincipal } };

/**
 * Pages need a signed-in user with at least `role`: no session → the sign-in page (coming back
 * here afterwards); too low a role → 403. Writes (form posts, htmx) must carry the CSRF token.
 */
export function requireUser(deps: Pick<Deps, 'db' | 'now'>, role: Role): MiddlewareHandler<UiEnv> {
  return async (c, next) => {
    const user = await sessionPrincipal(deps, c);
    if (!user) {
      // A form post from a page left open: the error page (or the envelope) says what to do.
      if (c.req.method !== 'GET') {
        throw new AppError('unauthorized', 'Your session has ended: sign in again.');
      }
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

/** Signs `user` in on this response: a new session of SESSION_TTL_HOURS, in its cookie. */
export async function signIn(
  deps: Pick<Deps, 'db' | 'config' | 'now'>,
  c: Context,
  user: User,
): Promise<void> {
  const session = await startSession(
    deps.db,
    user,
    deps.config.SESSION_TTL_HOURS * 3_600_000,
    deps.now(),
  );
  setSessionCookie(deps, c, session.token, session.expiresAt);
}

// Browsers drop TAB/CR/LF inside URLs and read `\\` as `/` before resolving, so `/\t/evil.example`
// or `/\\evil.example` become protocol-relative; any control character or backslash is refused.
function unsafeNext(next: string): boolean {
  for (let i = 0; i < next.length; i++) {
    const code = next.charCodeAt(i);
    if (code < 0x20 || code === 0x7f || code === 0x5c) return true;
  }
  return false;
}

/**
 * Post-login destinations: only paths on this site (no open redirect). The value is resolved
 * against PUBLIC_URL the way a browser would and kept only when the origin stays ours; what is
 * returned is the resolved path, never the caller's spelling of it.
 */
export function safeNext(next: string | undefined, publicUrl = 'http://localhost'): string {
  if (!next?.startsWith('/') || unsafeNext(next)) return '/app';
  try {
    const base = new URL(publicUrl);
    const url = new URL(next, base);
    const path = `${url.pathname}${url.search}${url.hash}`;
    if (url.origin !== base.origin || !path.startsWith('/') || path.startsWith('//')) return '/app';
    return path;
  } catch {
    return '/app';
  }
}
