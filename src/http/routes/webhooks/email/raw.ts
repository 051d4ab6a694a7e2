import { createRoute, z } from '@hono/zod-openapi';
import type { Deps } from '../../../../deps.js';
import { parseRawEmail } from '../../../../ingest/email/index.js';
import { emailToDelivery } from '../../../../ingest/email-delivery.js';
import { readRawBody, requireMediaType } from '../../../body.js';
import { AppError } from '../../../errors.js';
import type { Router } from '../../../openapi.js';
import { acceptEmail, inboundBasicAuth, parseOptions, responses, toHttpError } from './shared.js';

export const route = createRoute({
  method: 'post',
  path: '/webhooks/email/raw',
  summary: 'Inbound email as a raw RFC 822 message (basic auth)',
  request: { body: { content: { 'message/rfc822': { schema: z.string() } } } },
  responses,
});

export function registerRawEmailWebhook(app: Router, deps: Deps) {
  app.openAPIRegistry.registerPath(route);
  app.post(route.path, inboundBasicAuth(deps), async (c) => {
    requireMediaType(c, ['message/rfc822', 'application/octet-stream', 'text/plain']);
    const raw = await readRawBody(c, deps.config.MAX_EMAIL_BYTES);
    if (raw.length === 0)
      throw new AppError('bad_request', 'Body is empty: expected an RFC 822 message');
    const email = await parseRawEmail(raw, parseOptions(deps)).catch(toHttpError);
    return acceptEmail(deps, c, emailToDelivery(email, { scheme: 'basic-auth' }, 'raw'));
  });
}
