import type { Deps } from '../../../deps.js';
import { retireUnusedStarterCategories } from '../../../pipeline/triage/taxonomy.js';
import type { TaxonomyApp } from './shared.js';

/** POST /app/admin/taxonomy/retire-starter: retire the starter categories nothing uses (admins). */
export function registerRetireStarterForm(app: TaxonomyApp, deps: Deps) {
  app.post('/app/admin/taxonomy/retire-starter', async (c) => {
    const retired = await retireUnusedStarterCategories(deps);
    return c.redirect(`/app/admin/taxonomy?notice=${retired.length ? 'retired' : 'nothing'}`, 303);
  });
}
