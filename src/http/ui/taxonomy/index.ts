import { Hono } from 'hono';
import type { Deps } from '../../../deps.js';
import { mountOperations } from '../../mount.js';
import { requireUser, type UiEnv } from '../session.js';
import { registerTaxonomyPage } from './page.js';
import { registerRetireStarterForm } from './retire-starter.js';
import { registerSaveCategoryForm } from './save.js';

/**
 * /app/admin/taxonomy: managers read, admins edit, create, deactivate and retire starters. One file
 * per page or form post, each exporting a `register…(app, deps)`.
 */
export function taxonomyPages(deps: Deps) {
  const app = new Hono<UiEnv>();
  app.use('/app/admin/taxonomy', async (c, next) =>
    requireUser(deps, c.req.method === 'GET' ? 'manager' : 'admin')(c, next),
  );
  app.use('/app/admin/taxonomy/*', requireUser(deps, 'admin'));
  return mountOperations(app, deps, {
    operations: [registerTaxonomyPage, registerSaveCategoryForm, registerRetireStarterForm],
  });
}
