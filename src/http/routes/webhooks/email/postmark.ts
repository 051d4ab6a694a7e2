import { createRoute } from '@hono/zod-openapi';
import type { Deps } from '../../../../deps.js';
import { fromPostmarkJson, postmarkInboundSchema } from '../../../../ingest/email/index.js';
import type { InboundEmail } from '../../../../ingest/email/types.js';
import { emailToDelivery } from '../../../../ingest/email-delivery.js';
import { parseJsonBody, readRawBody, requireMediaType } from '../../../body.js';
import type { Router } from '../../../openapi.js';
import { acceptEmail, inboundBasicAuth, parseOptions, responses, toHttpError } from './shared.js';

export const route = createRoute({
  method: 'post',
  path: '/webhooks/email/postmark',
  summary: 'Postmark inbound JSON (basic auth in the URL)',
  request: { body: { content: { 'application/json': { schema: postmarkInboundSchema } } } },
  responses,
});

export function registerPostmarkWebhook(app: Router, deps: Deps) {
  app.openAPIRegistry.registerPath(route);
  app.post(route.path, inboundBasicAuth(deps), async (c) => {
    requireMediaType(c, ['application/json']);
    const raw = await readRawBody(c, deps.config.MAX_EMAIL_BYTES);
    let email: InboundEmail;
    try {
      email = await fromPostmarkJson(parseJsonBody(raw), parseOptions(deps));
    } catch (err) {
      toHttpError(err);
    }
    return acceptEmail(deps, c, emailToDelivery(email, { scheme: 'basic-auth' }, 'postmark'));
  });
}
