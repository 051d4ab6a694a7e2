import { Hono } from 'hono';
import type { Deps } from '../../../deps.js';
import { mountOperations } from '../../mount.js';
import { requireUser, type UiEnv } from '../session.js';
import { registerCreateAdminForm } from './create-admin.js';
import { registerSetupGate } from './gate.js';
import { registerIntegrationKeyForm } from './integration-key.js';
import { registerInviteForm } from './invite.js';
import { registerKbUploadForm } from './kb-upload.js';
import { registerSetupPage } from './page.js';
import { createFirstRunGate, type SetupDeps } from './shared.js';
import { registerTestTicketForm } from './test-ticket.js';
import { registerTestTicketPage } from './test-ticket-page.js';
import { registerWelcomePage } from './welcome.js';

/**
 * `/` → `/app`; while no user exists `/app` and `/app/login` lead to `/app/setup` (first admin,
 * token-guarded); `/app/welcome` is the admin's checklist: connect a helpdesk, import a knowledge
 * base, invite teammates, send a test ticket and watch it being triaged and drafted. One file per
 * page or form post, each exporting a `register…(app, deps)`; the checklist needs the admin role.
 */
export function setupPages(deps: Deps) {
  const app = new Hono<UiEnv>();
  const routeDeps: SetupDeps = { ...deps, firstRun: createFirstRunGate(deps) };
  return mountOperations(app, routeDeps, {
    guard: {
      by: requireUser(deps, 'admin'),
      paths: ['/app/welcome', '/app/welcome/*'],
    },
    operations: [
      registerSetupGate,
      registerSetupPage,
      registerCreateAdminForm,
      registerWelcomePage,
      registerKbUploadForm,
      registerInviteForm,
      registerIntegrationKeyForm,
      registerTestTicketForm,
      registerTestTicketPage,
    ],
  });
}
