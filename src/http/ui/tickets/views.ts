import { z } from 'zod';
import { deleteSavedView, saveView } from '../../../db/queries/ticket-list.js';
import type { Deps } from '../../../deps.js';
import { savedFiltersSchema } from '../../ticket-filters.js';
import { form, uuidParam } from '../inbox/shared.js';
import { ticketsHref } from '../pages/tickets.js';
import type { TicketsApp } from './shared.js';

const flag = z
  .enum(['true', 'false'])
  .transform((v) => v === 'true')
  .optional();

/** POST /app/ticket-views (save the current filters under a name), …/:id/delete. */
export function registerSavedViewForms(app: TicketsApp, deps: Deps) {
  app.post('/app/ticket-views', async (c) => {
    const body = Object.fromEntries(
      Object.entries(await form(c)).filter(([k, v]) => v !== '' && k !== '_csrf'),
    );
    const name = z.string().trim().min(1).max(60).safeParse(body.name);
    const filters = savedFiltersSchema
      .extend({ automated: flag, slaBreached: flag })
      .safeParse(body);
    if (!name.success || !filters.success) {
      return c.redirect('/app/tickets?notice=invalid', 303);
    }
    const view = await saveView(deps.db, {
      userId: c.get('user').id,
      name: name.data,
      filters: filters.data,
    });
    return c.redirect(ticketsHref({ view: view.id, notice: 'view_saved' }), 303);
  });

  app.post('/app/ticket-views/:id/delete', async (c) => {
    const id = uuidParam.safeParse(c.req.param('id'));
    const deleted = id.success && (await deleteSavedView(deps.db, c.get('user').id, id.data));
    return c.redirect(ticketsHref({ notice: deleted ? 'view_deleted' : 'missing' }), 303);
  });
}
