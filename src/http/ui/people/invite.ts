import { UserExistsError } from '../../../auth/users.js';
import type { Deps } from '../../../deps.js';
import { invitePerson } from '../../../pipeline/people.js';
import { inviteForm } from '../setup/invite.js';
import { firstIssue } from '../setup/shared.js';
import { actorFrom, type PeopleApp, renderPeople, renderRefusal } from './shared.js';

/** POST /app/people/invite: a teammate's account; its password is shown once. */
export function registerPeopleInviteForm(app: PeopleApp, deps: Deps) {
  app.post('/app/people/invite', async (c) => {
    const form = inviteForm.safeParse(await c.req.parseBody());
    if (!form.success) {
      return renderPeople(deps, c, {
        notice: { kind: 'error', text: firstIssue(form.error) },
        status: 400,
      });
    }
    try {
      const { user, password } = await invitePerson(deps, actorFrom(c), {
        ...form.data,
        newTeam: form.data.newTeam === 'yes',
      });
      return renderPeople(deps, c, { shown: { email: user.email, password, created: true } });
    } catch (err) {
      if (err instanceof UserExistsError) {
        return renderPeople(deps, c, { notice: { kind: 'error', text: err.message }, status: 409 });
      }
      return renderRefusal(deps, c, err);
    }
  });
}
