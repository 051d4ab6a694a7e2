import { Hono } from 'hono';
import type { Deps } from '../../../deps.js';
import { mountOperations } from '../../mount.js';
import { createFreshness } from '../../routes/metrics/shared.js';
import { requireUser, type UiEnv } from '../session.js';
import { registerDashboardCsv } from './csv.js';
import { registerGapArticleForm } from './gap-article.js';
import { registerGapArticlePage } from './gap-article-page.js';
import { registerDashboardPage } from './page.js';
import type { DashboardDeps } from './shared.js';

/**
 * The manager dashboard (/app/dashboard), its CSV exports (/app/dashboard/<section>.csv) and the
 * article written from a knowledge gap; one file per page, export or form post, each exporting a
 * `register…(app, deps)`. All need the manager role.
 */
export function dashboardPages(deps: Deps) {
  const app = new Hono<UiEnv>();
  // Like the API: bring the facts table up to date before reading, at most every 15 s.
  const routeDeps: DashboardDeps = { ...deps, fresh: createFreshness(deps) };
  return mountOperations(app, routeDeps, {
    guard: {
      by: requireUser(deps, 'manager'),
      paths: ['/app/dashboard', '/app/dashboard/*'],
    },
    operations: [
      registerDashboardPage,
      registerGapArticlePage,
      registerGapArticleForm,
      registerDashboardCsv,
    ],
  });
}
