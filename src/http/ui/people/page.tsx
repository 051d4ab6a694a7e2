import type { Deps } from '../../../deps.js';
import { noticeFor } from '../layout.js';
import { type PeopleApp, peopleNotices, renderPeople } from './shared.js';

/** GET /app/people: everyone who can sign in, with the invite form (admins). */
export function registerPeoplePage(app: PeopleApp, deps: Deps) {
  app.get('/app/people', async (c) =>
    renderPeople(deps, c, { notice: noticeFor(peopleNotices, c.req.query('notice')) }),
  );
}
