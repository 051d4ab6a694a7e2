import { Hono } from 'hono';
import type { Deps } from '../../deps.js';
import type { AppEnv } from '../context.js';
import { accountPages } from './account/index.js';
import { assetRoutes } from './assets.js';
import { authPages } from './auth/index.js';
import { dashboardPages } from './dashboard/index.js';
import { inboxPages } from './inbox/index.js';
import { kbPages } from './kb/index.js';
import { peoplePages } from './people/index.js';
import { queueBoardRoutes } from './queue-board.js';
import { setupPages } from './setup/index.js';
import { taxonomyPages } from './taxonomy/index.js';
import { ticketPages } from './tickets/index.js';

/**
 * The web UI under /app: sign-in, the agent inbox and the manager dashboard, rendered on the
 * server with Hono JSX; htmx and Chart.js come from npm and are served from /app/assets. Bull
 * Board (admins) at /admin/queues.
 */
export function uiRoutes(deps: Deps) {
  const app = new Hono<AppEnv>();
  app.use('/app/*', async (c, next) => {
    await next();
    // Pages carry customer data: never cached by shared caches, never framed.
    if (!c.req.path.startsWith('/app/assets/')) c.header('Cache-Control', 'no-store');
    c.header('X-Frame-Options', 'DENY');
    c.header('Referrer-Policy', 'same-origin');
    c.header('X-Content-Type-Options', 'nosniff');
    c.header(
      'Content-Security-Policy',
      "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; form-action 'self'",
    );
  });
  app.route('/', assetRoutes());
  // First: while no user exists, /app and /app/login lead to the setup page.
  app.route('/', setupPages(deps));
  app.route('/', authPages(deps));
  app.route('/', inboxPages(deps));
  app.route('/', ticketPages(deps));
  app.route('/', kbPages(deps));
  app.route('/', dashboardPages(deps));
  app.route('/', taxonomyPages(deps));
  app.route('/', peoplePages(deps));
  app.route('/', accountPages(deps));
  // Bull Board sets its own headers (its page needs inline styles); /app's CSP does not reach it.
  app.route('/', queueBoardRoutes(deps));
  return app;
}
