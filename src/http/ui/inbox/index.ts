import { Hono } from 'hono';
import type { Deps } from '../../../deps.js';
import { mountOperations } from '../../mount.js';
import { inboxHref } from '../pages/inbox.js';
import { requireUser, type UiEnv } from '../session.js';
import { registerApproveForm } from './approve.js';
import { registerCorrectTriageForm } from './correct-triage.js';
import { registerInboxEvents } from './events.js';
import { registerInboxPage } from './page.js';
import { registerPresence } from './presence.js';
import { registerQueuePane } from './queue.js';
import { registerRegenerateForm } from './regenerate.js';
import { registerRejectForm } from './reject.js';
import { registerRetryDeliveryForm } from './retry-delivery.js';
import { registerSaveForm } from './save.js';
import { registerUndoForm } from './undo.js';

/**
 * The agent inbox: server-rendered pages and form posts over the same functions as the API. One
 * file per page or form post, each exporting a `register…(app, deps)`; all need the agent role.
 */
export function inboxPages(deps: Deps) {
  const app = new Hono<UiEnv>();
  mountOperations(app, deps, {
    guard: {
      by: requireUser(deps, 'agent'),
      paths: [
        '/app',
        '/app/queue',
        '/app/events',
        '/app/presence',
        '/app/drafts/*',
        '/app/tickets/*',
        '/app/deliveries/*',
      ],
    },
    operations: [
      registerInboxPage,
      registerQueuePane,
      registerInboxEvents,
      registerApproveForm,
      registerRejectForm,
      registerRegenerateForm,
      registerCorrectTriageForm,
      registerRetryDeliveryForm,
      registerUndoForm,
      registerSaveForm,
      registerPresence,
    ],
  });
  app.get('/app/', (c) => c.redirect(inboxHref('pending', {}), 301));
  return app;
}
