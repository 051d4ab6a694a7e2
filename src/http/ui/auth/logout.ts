import { getCookie } from 'hono/cookie';
import { endSession } from '../../../auth/users.js';
import {
  checkCsrf,
  clearSessionCookie,
  SESSION_COOKIE,
  sessionPrincipal,
} from '../../middleware/auth.js';
import type { AuthApp, AuthDeps } from './shared.js';

/** POST /app/logout: ends the session (a CSRF-checked write) and clears its cookie. */
export function registerLogout(app: AuthApp, deps: AuthDeps) {
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
}
