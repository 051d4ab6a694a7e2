import { Hono } from 'hono';
import type { AppEnv } from '../../context.js';
import { mountOperations } from '../../mount.js';
import { registerLoginForm } from './login.js';
import { registerLoginPage } from './login-page.js';
import { registerLogout } from './logout.js';
import type { AuthDeps } from './shared.js';

/**
 * Sign-in and sign-out: one file per page or form post, each exporting a `register…(app, deps)`.
 * No role: these are the pages for whoever is not signed in yet.
 */
export function authPages(deps: AuthDeps) {
  const app = new Hono<AppEnv>();
  return mountOperations(app, deps, {
    operations: [registerLoginPage, registerLoginForm, registerLogout],
  });
}
