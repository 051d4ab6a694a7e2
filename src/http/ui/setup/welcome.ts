import { renderWelcome, type SetupApp, type SetupDeps } from './shared.js';

/** GET /app/welcome: the admin's checklist. */
export function registerWelcomePage(app: SetupApp, deps: SetupDeps) {
  app.get('/app/welcome', (c) => renderWelcome(deps, c));
}
