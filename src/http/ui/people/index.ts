import { Hono } from 'hono';
import type { Deps } from '../../../deps.js';
import { mountOperations } from '../../mount.js';
import { requireUser, type UiEnv } from '../session.js';
import { registerDisableEnableForms } from './disable-enable.js';
import { registerPeopleInviteForm } from './invite.js';
import { registerPeoplePage } from './page.js';
import { registerResetPasswordForm } from './reset-password.js';
import { registerChangeRoleForm } from './role.js';

/**
 * /app/people: admins list, invite, disable / re-enable, reset passwords and change roles. Every
 * change goes through src/pipeline/people.ts (guard rails, audit entry).
 */
export function peoplePages(deps: Deps) {
  const app = new Hono<UiEnv>();
  return mountOperations(app, deps, {
    guard: { by: requireUser(deps, 'admin'), paths: ['/app/people', '/app/people/*'] },
    operations: [
      registerPeoplePage,
      registerPeopleInviteForm,
      registerDisableEnableForms,
      registerResetPasswordForm,
      registerChangeRoleForm,
    ],
  });
}
