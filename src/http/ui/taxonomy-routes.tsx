import { Hono } from 'hono';
import { z } from 'zod';
import { priorities } from '../../db/schema/triage.js';
import type { Deps } from '../../deps.js';
import {
  categoryNameSchema,
  listTaxonomy,
  retireUnusedStarterCategories,
  saveCategory,
} from '../../pipeline/triage/taxonomy.js';
import { TaxonomyPage } from './pages/taxonomy.js';
import { requireUser, type UiEnv } from './session.js';

const notices = {
  saved: { kind: 'ok', text: 'Saved. The classifier retrains with the change within a minute.' },
  retired: {
    kind: 'ok',
    text: 'Starter categories retired; the classifier retrains without them.',
  },
  nothing: { kind: 'ok', text: 'No starter category needed retiring.' },
  invalid: { kind: 'error', text: 'The form was incomplete or invalid; nothing was changed.' },
} as const;

const saveForm = z.object({
  name: categoryNameSchema,
  description: z.string().trim().max(2_000).default(''),
  defaultPriority: z.enum(priorities).default('normal'),
  // One example per line; blank lines dropped (browsers send CRLF).
  examples: z
    .string()
    .default('')
    .transform((t) =>
      t
        .split(/\r?\n/)
        .map((line) => line.trim())
        .filter((line) => line.length > 0),
    )
    .pipe(z.array(z.string().min(3).max(2_000)).max(500)),
  active: z.literal('yes').optional(),
});

/** /app/admin/taxonomy: managers read, admins edit, create, deactivate and retire starters. */
export function taxonomyPages(deps: Deps) {
  const app = new Hono<UiEnv>();
  app.use('/app/admin/taxonomy', async (c, next) =>
    requireUser(deps, c.req.method === 'GET' ? 'manager' : 'admin')(c, next),
  );
  app.use('/app/admin/taxonomy/*', requireUser(deps, 'admin'));

  app.get('/app/admin/taxonomy', async (c) => {
    const code = c.req.query('notice');
    const notice = code && code in notices ? notices[code as keyof typeof notices] : null;
    return c.html(
      <TaxonomyPage user={c.get('user')} categories={await listTaxonomy(deps)} notice={notice} />,
    );
  });

  app.post('/app/admin/taxonomy', async (c) => {
    const form = saveForm.safeParse(await c.req.parseBody());
    if (!form.success) return c.redirect('/app/admin/taxonomy?notice=invalid', 303);
    const { name, active, ...change } = form.data;
    await saveCategory(deps, name, { ...change, active: active === 'yes' });
    return c.redirect('/app/admin/taxonomy?notice=saved', 303);
  });

  app.post('/app/admin/taxonomy/retire-starter', async (c) => {
    const retired = await retireUnusedStarterCategories(deps);
    return c.redirect(`/app/admin/taxonomy?notice=${retired.length ? 'retired' : 'nothing'}`, 303);
  });
  return app;
}
