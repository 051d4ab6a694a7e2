import type { Deps } from '../../../deps.js';
import { listTaxonomy } from '../../../pipeline/triage/taxonomy.js';
import { noticeFor } from '../layout.js';
import { TaxonomyPage } from '../pages/taxonomy.js';
import { type TaxonomyApp, taxonomyNotices } from './shared.js';

/** GET /app/admin/taxonomy: the categories with their descriptions and examples (managers). */
export function registerTaxonomyPage(app: TaxonomyApp, deps: Deps) {
  app.get('/app/admin/taxonomy', async (c) => {
    const notice = noticeFor(taxonomyNotices, c.req.query('notice'));
    return c.html(
      <TaxonomyPage user={c.get('user')} categories={await listTaxonomy(deps)} notice={notice} />,
    );
  });
}
