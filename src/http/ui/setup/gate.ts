import type { SetupApp, SetupDeps } from './shared.js';

/** `/` → `/app`; while no user exists, `/app` and `/app/login` lead to `/app/setup`. */
export function registerSetupGate(app: SetupApp, deps: SetupDeps) {
  app.get('/', (c) => c.redirect('/app', 302));
  for (const path of ['/app', '/app/login']) {
    app.get(path, async (c, next) => {
      if (await deps.firstRun.needsSetup()) return c.redirect('/app/setup', 303);
      await next();
    });
  }
}
