import { Hono } from 'hono';
import { z } from 'zod';
import type { Deps } from '../../../deps.js';
import { changeOwnPassword, PeopleError, passwordSchema } from '../../../pipeline/people.js';
import { mountOperations } from '../../mount.js';
import { noticeFor } from '../layout.js';
import { AccountPage } from '../pages/people.js';
import { requireUser, type UiEnv } from '../session.js';

type AccountApp = Hono<UiEnv>;

const accountNotices = {
  changed: { kind: 'ok', text: 'Password changed. Your other sessions have ended.' },
} as const;

const passwordForm = z
  .object({ current: z.string().min(1).max(1024), next: passwordSchema, again: z.string() })
  .refine((f) => f.next === f.again, { message: 'the two new passwords differ', path: ['again'] });

/** GET /app/account: who is signed in, and the form to change one's own password. */
function registerAccountPage(app: AccountApp) {
  app.get('/app/account', (c) =>
    c.html(
      <AccountPage
        user={c.get('user')}
        notice={noticeFor(accountNotices, c.req.query('notice'))}
      />,
    ),
  );
}

/** POST /app/account/password: current + new twice; the user's other sessions end. */
function registerChangePasswordForm(app: AccountApp, deps: Deps) {
  app.post('/app/account/password', async (c) => {
    const user = c.get('user');
    const refuse = (text: string) =>
      c.html(<AccountPage user={user} notice={{ kind: 'error', text }} />, 400);
    const form = passwordForm.safeParse(await c.req.parseBody());
    if (!form.success) {
      const issue = form.error.issues[0]!;
      return refuse(
        `${issue.path[0] === 'current' ? 'current password' : 'new password'}: ${issue.message}`,
      );
    }
    try {
      await changeOwnPassword(
        deps.db,
        { userId: user.id, email: user.email, sessionId: user.sessionId },
        { current: form.data.current, next: form.data.next },
      );
    } catch (err) {
      if (err instanceof PeopleError) return refuse(err.message);
      throw err;
    }
    return c.redirect('/app/account?notice=changed', 303);
  });
}

/** /app/account: any signed-in user's own account (their password). */
export function accountPages(deps: Deps) {
  const app = new Hono<UiEnv>();
  return mountOperations(app, deps, {
    guard: { by: requireUser(deps, 'agent'), paths: ['/app/account', '/app/account/*'] },
    operations: [registerAccountPage, registerChangePasswordForm],
  });
}
