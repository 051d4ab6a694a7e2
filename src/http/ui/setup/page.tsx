import { SetupPage } from '../pages/setup.js';
import type { SetupApp, SetupDeps } from './shared.js';

/** GET /app/setup: the first admin's form, while no user exists (then: the sign-in page). */
export function registerSetupPage(app: SetupApp, deps: SetupDeps) {
  app.get('/app/setup', async (c) => {
    if (!(await deps.firstRun.needsSetup())) return c.redirect('/app/login', 303);
    return c.html(<SetupPage token={c.req.query('token') ?? ''} />);
  });
}
