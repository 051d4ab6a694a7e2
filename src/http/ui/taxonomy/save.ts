import { z } from 'zod';
import { priorities } from '../../../db/schema/triage.js';
import type { Deps } from '../../../deps.js';
import { categoryNameSchema, saveCategory } from '../../../pipeline/triage/taxonomy.js';
import type { TaxonomyApp } from './shared.js';

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

/** POST /app/admin/taxonomy: create or change a category, or deactivate it (admins). */
export function registerSaveCategoryForm(app: TaxonomyApp, deps: Deps) {
  app.post('/app/admin/taxonomy', async (c) => {
    const form = saveForm.safeParse(await c.req.parseBody());
    if (!form.success) return c.redirect('/app/admin/taxonomy?notice=invalid', 303);
    const { name, active, ...change } = form.data;
    await saveCategory(deps, name, { ...change, active: active === 'yes' });
    return c.redirect('/app/admin/taxonomy?notice=saved', 303);
  });
}
