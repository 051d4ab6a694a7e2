import type { Router } from '../../openapi.js';

/** GET /healthz: the process is up (nothing else is asked). */
export function registerHealthz(app: Router) {
  app.get('/healthz', (c) => c.json({ status: 'ok' }));
}
