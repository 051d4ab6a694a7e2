import { z } from 'zod';
import { userRoles } from '../../../db/schema/users.js';
import type { Deps } from '../../../deps.js';
import { changePersonRole } from '../../../pipeline/people.js';
import {
  actorFrom,
  type PeopleApp,
  personIdOf,
  renderPeople,
  renderRefusal,
  unknownPerson,
} from './shared.js';

const roleForm = z.object({ role: z.enum(userRoles) });

/** POST /app/people/:id/role: another role; demoting yourself or the last admin is refused. */
export function registerChangeRoleForm(app: PeopleApp, deps: Deps) {
  app.post('/app/people/:id/role', async (c) => {
    const id = personIdOf(c.req.param('id'));
    if (!id) return renderPeople(deps, c, { notice: unknownPerson, status: 404 });
    const form = roleForm.safeParse(await c.req.parseBody());
    if (!form.success) {
      return renderPeople(deps, c, {
        notice: { kind: 'error', text: 'Unknown role; nothing was changed.' },
        status: 400,
      });
    }
    try {
      const { changed } = await changePersonRole(deps, actorFrom(c), id, form.data.role);
      return c.redirect(`/app/people?notice=${changed ? 'role' : 'unchanged'}`, 303);
    } catch (err) {
      return renderRefusal(deps, c, err);
    }
  });
}
