import { z } from 'zod';
import { userRoles } from '../../../db/schema/users.js';
import { invitePerson } from '../../../pipeline/people.js';
import { firstIssue, renderWelcome, type SetupApp, type SetupDeps } from './shared.js';

/** The invite form, here and on the People page. */
export const inviteForm = z.object({
  email: z.email().max(320),
  name: z.string().trim().max(200).default(''),
  role: z.enum(userRoles),
  team: z.string().trim().max(100).default(''),
  newTeam: z.literal('yes').optional(),
});

/** POST /app/welcome/invite: creates a teammate's account; its password is shown once. */
export function registerInviteForm(app: SetupApp, deps: SetupDeps) {
  app.post('/app/welcome/invite', async (c) => {
    const form = inviteForm.safeParse(await c.req.parseBody());
    if (!form.success) {
      return renderWelcome(deps, c, { kind: 'error', text: firstIssue(form.error) }, 400);
    }
    try {
      const admin = c.get('user');
      const actor = { kind: 'user', userId: admin.id, email: admin.email } as const;
      const { user, password } = await invitePerson(deps, actor, {
        ...form.data,
        newTeam: form.data.newTeam === 'yes',
      });
      return renderWelcome(deps, c, {
        kind: 'ok',
        text: `Created ${user.email} (${user.role}). Send them ${deps.config.PUBLIC_URL}/app and this password, shown once: ${password}`,
      });
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      return renderWelcome(deps, c, { kind: 'error', text: message }, 400);
    }
  });
}
