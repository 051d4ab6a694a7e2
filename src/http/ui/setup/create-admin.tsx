import { z } from 'zod';
import { createFirstAdmin, SetupError } from '../../../pipeline/first-run.js';
import { SetupPage } from '../pages/setup.js';
import { signIn } from '../session.js';
import { firstIssue, type SetupApp, type SetupDeps } from './shared.js';

const setupForm = z.object({
  token: z.string().max(200),
  email: z.email().max(320),
  name: z.string().trim().max(200).default(''),
  password: z.string().min(12, 'at least 12 characters').max(1024),
});

/** POST /app/setup: creates the first admin (token-guarded), signs them in, on to the checklist. */
export function registerCreateAdminForm(app: SetupApp, deps: SetupDeps) {
  app.post('/app/setup', async (c) => {
    const body = await c.req.parseBody();
    const form = setupForm.safeParse(body);
    const token = typeof body.token === 'string' ? body.token : '';
    const email = typeof body.email === 'string' ? body.email : '';
    if (!form.success) {
      return c.html(<SetupPage token={token} email={email} error={firstIssue(form.error)} />, 400);
    }
    try {
      const user = await createFirstAdmin(deps, form.data);
      deps.firstRun.setUp();
      await signIn(deps, c, user);
      deps.log.info({ event: 'first_admin_created', userId: user.id }, 'first admin created');
      return c.redirect('/app/welcome', 303);
    } catch (err) {
      if (!(err instanceof SetupError)) throw err;
      return c.html(<SetupPage token={token} email={email} error={err.message} />, 403);
    }
  });
}
