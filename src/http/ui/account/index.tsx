import { setTimeout as sleep } from 'node:timers/promises';
import { Hono } from 'hono';
import { z } from 'zod';
import { createLoginThrottle } from '../../../auth/login-throttle.js';
import type { Deps } from '../../../deps.js';
import { changeOwnPassword, PeopleError, passwordSchema } from '../../../pipeline/people.js';
import { clientIp } from '../../middleware/rate-limit.js';
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

/**
 * POST /app/account/password: current + new twice; the user's other sessions end. A session left
 * open is not the password: guesses at the current one count with the sign-in form's (same
 * throttle, same keys), so this form is no way around its limits.
 */
function registerChangePasswordForm(app: AccountApp, deps: Deps) {
  const throttle = createLoginThrottle(deps.redis, deps.config.QUEUE_PREFIX);
  app.post('/app/account/password', async (c) => {
    const user = c.get('user');
    const refuse = (text: string, status: 400 | 429 = 400) =>
      c.html(<AccountPage user={user} notice={{ kind: 'error', text }} />, status);
    const form = passwordForm.safeParse(await c.req.parseBody());
    if (!form.success) {
      const issue = form.error.issues[0]!;
      return refuse(
        `${issue.path[0] === 'current' ? 'current password' : 'new password'}: ${issue.message}`,
      );
    }
    const attempt = await throttle.begin(user.email, clientIp(c, deps.config.TRUST_PROXY));
    if (!attempt.allowed) {
      c.header('Retry-After', String(attempt.retryAfterSeconds));
      return refuse('Too many wrong passwords from this address; try again later.', 429);
    }
    if (attempt.delayMs > 0) await sleep(attempt.delayMs);
    try {
      await changeOwnPassword(
        deps,
        { userId: user.id, email: user.email, sessionId: user.sessionId },
        { current: form.data.current, next: form.data.next },
      );
    } catch (err) {
      if (err instanceof PeopleError) {
        await throttle.failed(attempt.keys);
        return refuse(err.message);
      }
      throw err;
    }
    await throttle.succeeded(attempt.keys);
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
