import type { Deps } from '../../../deps.js';
import { disablePerson, enablePerson } from '../../../pipeline/people.js';
import {
  actorFrom,
  type PeopleApp,
  personIdOf,
  renderPeople,
  renderRefusal,
  unknownPerson,
} from './shared.js';

/** POST /app/people/:id/disable and /enable: sessions end on disable; guard rails apply. */
export function registerDisableEnableForms(app: PeopleApp, deps: Deps) {
  for (const action of ['disable', 'enable'] as const) {
    app.post(`/app/people/:id/${action}`, async (c) => {
      const id = personIdOf(c.req.param('id'));
      if (!id) return renderPeople(deps, c, { notice: unknownPerson, status: 404 });
      try {
        const change = action === 'disable' ? disablePerson : enablePerson;
        const { changed } = await change(deps, actorFrom(c), id);
        const notice = changed ? (action === 'disable' ? 'disabled' : 'enabled') : 'unchanged';
        return c.redirect(`/app/people?notice=${notice}`, 303);
      } catch (err) {
        return renderRefusal(deps, c, err);
      }
    });
  }
}
