import { z } from 'zod';
import { userRoles } from '../../../db/schema/users.js';
import type { Deps } from '../../../deps.js';
import {
  changePersonRole,
  disablePerson,
  enablePerson,
  resetPersonPassword,
} from '../../../pipeline/people.js';
import { actorFrom, type PeopleApp, renderPeople, renderRefusal } from './shared.js';

const personId = z.uuid();
const roleForm = z.object({ role: z.enum(userRoles) });

/** The person a form is about, or the page's 404 (a mangled or stale link). */
function idOf(raw: string) {
  const id = personId.safeParse(raw);
  return id.success ? id.data : null;
}

const unknownPerson = {
  kind: 'error',
  text: 'No such user (they may have been removed).',
} as const;

/** POST /app/people/:id/disable and /enable: sessions end on disable; guard rails apply. */
export function registerDisableEnableForms(app: PeopleApp, deps: Deps) {
  for (const action of ['disable', 'enable'] as const) {
    app.post(`/app/people/:id/${action}`, async (c) => {
      const id = idOf(c.req.param('id'));
      if (!id) return renderPeople(deps, c, { notice: unknownPerson, status: 404 });
      try {
        const change = action === 'disable' ? disablePerson : enablePerson;
        const { changed } = await change(deps.db, actorFrom(c), id);
        const notice = changed ? (action === 'disable' ? 'disabled' : 'enabled') : 'unchanged';
        return c.redirect(`/app/people?notice=${notice}`, 303);
      } catch (err) {
        return renderRefusal(deps, c, err);
      }
    });
  }
}

/** POST /app/people/:id/reset-password: a new password, shown once; their sessions end. */
export function registerResetPasswordForm(app: PeopleApp, deps: Deps) {
  app.post('/app/people/:id/reset-password', async (c) => {
    const id = idOf(c.req.param('id'));
    if (!id) return renderPeople(deps, c, { notice: unknownPerson, status: 404 });
    try {
      const { user, password } = await resetPersonPassword(deps.db, actorFrom(c), id);
      return renderPeople(deps, c, { shown: { email: user.email, password, created: false } });
    } catch (err) {
      return renderRefusal(deps, c, err);
    }
  });
}

/** POST /app/people/:id/role: another role; demoting yourself or the last admin is refused. */
export function registerChangeRoleForm(app: PeopleApp, deps: Deps) {
  app.post('/app/people/:id/role', async (c) => {
    const id = idOf(c.req.param('id'));
    if (!id) return renderPeople(deps, c, { notice: unknownPerson, status: 404 });
    const form = roleForm.safeParse(await c.req.parseBody());
    if (!form.success) {
      return renderPeople(deps, c, {
        notice: { kind: 'error', text: 'Unknown role; nothing was changed.' },
        status: 400,
      });
    }
    try {
      const { changed } = await changePersonRole(deps.db, actorFrom(c), id, form.data.role);
      return c.redirect(`/app/people?notice=${changed ? 'role' : 'unchanged'}`, 303);
    } catch (err) {
      return renderRefusal(deps, c, err);
    }
  });
}
