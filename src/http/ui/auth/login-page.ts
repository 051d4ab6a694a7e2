import { sessionPrincipal } from '../../middleware/auth.js';
import { safeNext } from '../session.js';
import { type AuthApp, type AuthDeps, loginPage } from './shared.js';

/** GET /app/login: the sign-in form, or straight on to `next` for someone signed in already. */
export function registerLoginPage(app: AuthApp, deps: AuthDeps) {
  app.get('/app/login', async (c) => {
    const next = safeNext(c.req.query('next'), deps.config.PUBLIC_URL);
    if (await sessionPrincipal(deps, c)) return c.redirect(next, 303);
    return loginPage(deps, c, { next });
  });
}
