import type { Deps } from '../../../deps.js';
import { mountOperations } from '../../mount.js';
import { createRouter } from '../../openapi.js';
import { registerMailgunWebhook } from './email/mailgun.js';
import { registerPostmarkWebhook } from './email/postmark.js';
import { registerRawEmailWebhook } from './email/raw.js';
import { registerSendGridWebhook } from './email/sendgrid.js';
import { registerGenericTicketWebhook } from './tickets.js';
import { registerZendeskWebhook } from './zendesk.js';

/**
 * /webhooks: inbound deliveries, one file per sender, each exporting its OpenAPI `route` and a
 * `register…(app, deps)` that applies its own authentication (HMAC signature, basic auth or API
 * key). Webhook bodies are read by hand (not c.req.valid) so the size cap applies before
 * buffering; each route is still registered for the OpenAPI document.
 */
export function webhookRoutes(deps: Deps) {
  const app = createRouter();
  return mountOperations(app, deps, {
    operations: [
      registerZendeskWebhook,
      registerRawEmailWebhook,
      registerMailgunWebhook,
      registerSendGridWebhook,
      registerPostmarkWebhook,
      registerGenericTicketWebhook,
    ],
  });
}
