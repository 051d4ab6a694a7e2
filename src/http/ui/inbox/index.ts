import { Hono } from 'hono';
import type { Deps } from '../../../deps.js';
import { inboxHref } from '../pages/inbox.js';
import { requireUser, type UiEnv } from '../session.js';
import { registerApproveForm } from './approve.js';
import { registerArticlePage } from './article.js';
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
  const agent = requireUser(deps, 'agent');
  app.use('/app', agent);
  app.use('/app/queue', agent);
  app.use('/app/events', agent);
  app.use('/app/presence', agent);
  app.use('/app/drafts/*', agent);
  app.use('/app/tickets/*', agent);
  app.use('/app/deliveries/*', agent);
  app.use('/app/kb/*', agent);
  for (const register of [
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
    registerArticlePage,
  ]) {
    register(app, deps);
  }
  app.get('/app/', (c) => c.redirect(inboxHref('pending', {}), 301));
  return app;
}
