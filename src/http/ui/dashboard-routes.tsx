import { Hono } from 'hono';
import type { Deps } from '../../deps.js';
import { Layout } from './layout.js';
import { requireUser, type UiEnv } from './session.js';

/** The manager dashboard (/app/dashboard). */
export function dashboardPages(deps: Deps) {
  const app = new Hono<UiEnv>();
  app.use('/app/dashboard', requireUser(deps, 'manager'));
  app.get('/app/dashboard', (c) =>
    c.html(
      <Layout title="Dashboard" user={c.get('user')} active="dashboard">
        <h1>Dashboard</h1>
      </Layout>,
    ),
  );
  return app;
}
