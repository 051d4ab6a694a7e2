import type { Context, MiddlewareHandler } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { type Principal, roleAllows } from '../../auth/api-keys.js';
import { safeEqual } from '../../auth/secrets.js';
import { resolveSession, type SessionPrincipal } from '../../auth/users.js';
import type { Role } from '../../db/schema/api-keys.js';
import type { Deps } from '../../deps.js';
import type { AppEnv } from '../context.js';
import { AppError } from '../errors.js';

export const SESSION_COOKIE = 'dp_session';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

function bearer(header: string | undefined): string | null {
  if (!header) return null;
  const m = /^Bearer\s+(\S+)$/i.exec(header.trim());
  return m?.[1] ?? null;
}

async function keyPrincipal(
  deps: Pick<Deps, 'apiKeys'>,
  c: Context<AppEnv>,
): Promise<Principal | null | undefined> {
  const key = bearer(c.req.header('authorization')) ?? c.req.header('x-api-key') ?? null;
  if (!key) return undefined;
  const principal = await deps.apiKeys.verify(key);
  if (!principal) throw new AppError('unauthorized', 'Invalid or revoked API key');
  return principal;
}

function authorize(c: Context<AppEnv>, principal: Principal, role: Role) {
  if (!roleAllows(principal.role, role)) {
    throw new AppError('forbidden', `This operation needs the ${role} role`);
  }
  c.set('principal', principal);
}

/** API-key authentication (Authorization: Bearer dp_… or X-Api-Key) with a minimum role. */
export function requireApiKey(deps: Pick<Deps, 'apiKeys'>, role: Role): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const principal = await keyPrincipal(deps, c);
    if (!principal) {
      throw new AppError('unauthorized', 'Missing API key: send Authorization: Bearer <key>');
    }
    authorize(c, principal, role);
    await next();
  };
}

/** The signed-in user of this request, if any (no role check, no CSRF check). */
export async function sessionPrincipal<E extends AppEnv>(
  deps: Pick<Deps, 'db' | 'now'>,
  c: Context<E>,
): Promise<SessionPrincipal | null> {
  const cached = c.get('principal');
  if (cached?.kind === 'user') return cached as SessionPrincipal;
  const token = getCookie(c, SESSION_COOKIE);
  if (!token) return null;
  return resolveSession(deps.db, token, deps.now());
}

/**
 * Synchronizer-token CSRF check for cookie-authenticated writes: the token rendered into the page
 * comes back in X-CSRF-Token (fetch/htmx) or a `_csrf` form field. SameSite=Lax already stops
 * cross-site POSTs in current browsers; this covers older ones and same-site subdomains.
 */
export async function checkCsrf<E extends AppEnv>(
  c: Context<E>,
  principal: SessionPrincipal,
): Promise<void> {
  if (SAFE_METHODS.has(c.req.method)) return;
  let sent = c.req.header('x-csrf-token');
  const type = c.req.header('content-type') ?? '';
  if (
    !sent &&
    (type.startsWith('application/x-www-form-urlencoded') || type.startsWith('multipart/form-data'))
  ) {
    const form = await c.req.parseBody();
    sent = typeof form._csrf === 'string' ? form._csrf : undefined;
  }
  if (!sent || !safeEqual(sent, principal.csrfToken)) {
    throw new AppError('forbidden', 'Missing or invalid CSRF token (reload the page)');
  }
}

/**
 * Minimum role for an API route, from an API key or, for the inbox's own calls, a session cookie
 * (then writes need the CSRF token). Every /api route states its role with this.
 */
export function requireRole(
  deps: Pick<Deps, 'apiKeys' | 'db' | 'now'>,
  role: Role,
): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const key = await keyPrincipal(deps, c);
    if (key) {
      authorize(c, key, role);
      return next();
    }
    const user = await sessionPrincipal(deps, c);
    if (!user) {
      throw new AppError(
        'unauthorized',
        'Missing credentials: send Authorization: Bearer <API key> or sign in',
      );
    }
    await checkCsrf(c, user);
    authorize(c, user, role);
    await next();
  };
}

export function cookieSecure(deps: Pick<Deps, 'config'>, c: Context): boolean {
  const setting = deps.config.COOKIE_SECURE;
  if (setting !== 'auto') return setting === 'true';
  return deps.config.PUBLIC_URL.startsWith('https:') || c.req.url.startsWith('https:');
}

export function setSessionCookie(
  deps: Pick<Deps, 'config'>,
  c: Context,
  token: string,
  expiresAt: Date,
): void {
  setCookie(c, SESSION_COOKIE, token, {
    httpOnly: true,
    sameSite: 'Lax',
    secure: cookieSecure(deps, c),
    path: '/',
    expires: expiresAt,
  });
}

export function clearSessionCookie(c: Context): void {
  deleteCookie(c, SESSION_COOKIE, { path: '/' });
}
