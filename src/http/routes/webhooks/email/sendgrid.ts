import { createRoute } from '@hono/zod-openapi';
import type { Deps } from '../../../../deps.js';
import { fromSendGridForm } from '../../../../ingest/email/index.js';
import { emailToDelivery } from '../../../../ingest/email-delivery.js';
import { requireMediaType } from '../../../body.js';
import { streamWebhookForm } from '../../../multipart.js';
import type { Router } from '../../../openapi.js';
import {
  acceptEmail,
  form,
  inboundBasicAuth,
  parseOptions,
  responses,
  toHttpError,
} from './shared.js';

export const route = createRoute({
  method: 'post',
  path: '/webhooks/email/sendgrid',
  summary: 'SendGrid Inbound Parse, parsed or raw mode (basic auth in the URL)',
  request: { body: { content: form } },
  responses,
});

export function registerSendGridWebhook(app: Router, deps: Deps) {
  app.openAPIRegistry.registerPath(route);
  app.post(route.path, inboundBasicAuth(deps), async (c) => {
    requireMediaType(c, ['multipart/form-data']);
    const { fields, files } = await streamWebhookForm(c, { maxBytes: deps.config.MAX_EMAIL_BYTES });
    const email = await fromSendGridForm(fields, files, parseOptions(deps)).catch(toHttpError);
    return acceptEmail(deps, c, emailToDelivery(email, { scheme: 'basic-auth' }, 'sendgrid'));
  });
}
