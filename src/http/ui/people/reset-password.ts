import type { Deps } from '../../../deps.js';
import { resetPersonPassword } from '../../../pipeline/people.js';
import {
  actorFrom,
  type PeopleApp,
  personIdOf,
  renderPeople,
  renderRefusal,
  unknownPerson,
} from './shared.js';

/** POST /app/people/:id/reset-password: a new password, shown once; their sessions end. */
export function registerResetPasswordForm(app: PeopleApp, deps: Deps) {
  app.post('/app/people/:id/reset-password', async (c) => {
    const id = personIdOf(c.req.param('id'));
    if (!id) return renderPeople(deps, c, { notice: unknownPerson, status: 404 });
    try {
      const { user, password } = await resetPersonPassword(deps, actorFrom(c), id);
      return renderPeople(deps, c, { shown: { email: user.email, password, created: false } });
    } catch (err) {
      return renderRefusal(deps, c, err);
    }
  });
}
