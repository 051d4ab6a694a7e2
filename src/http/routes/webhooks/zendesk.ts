import { createRoute, z } from '@hono/zod-openapi';
import type { Deps } from '../../../deps.js';
import { acceptDelivery } from '../../../ingest/intake.js';
import {
  normalizeZendeskEvent,
  normalizeZendeskTrigger,
} from '../../../ingest/zendesk/normalize.js';
import {
  parseZendeskJson,
  zendeskEventSchema,
  zendeskTriggerSchema,
} from '../../../ingest/zendesk/payload.js';
import { verifyZendeskSignature } from '../../../ingest/zendesk/signature.js';
import { readRawBody, requireMediaType } from '../../body.js';
import { AppError, describeIssues } from '../../errors.js';
import type { Router } from '../../openapi.js';
import { intakeResponse, intakeResponses } from './respond.js';

export const route = createRoute({
  method: 'post',
  path: '/webhooks/zendesk',
  summary: 'Zendesk webhook (event subscriptions and trigger/automation webhooks)',
  description:
    'Signed with X-Zendesk-Webhook-Signature = base64(HMAC-SHA256(secret, timestamp + raw body)). ' +
    'Accepts zen:event-type:ticket.* events and the trigger body documented in the README.',
  request: {
    headers: z.object({
      'x-zendesk-webhook-signature': z.string(),
      'x-zendesk-webhook-signature-timestamp': z.string(),
    }),
    body: {
      content: {
        'application/json': { schema: z.union([zendeskEventSchema, zendeskTriggerSchema]) },
      },
    },
  },
  responses: intakeResponses('Duplicate'),
});

export function registerZendeskWebhook(app: Router, deps: Deps) {
  app.openAPIRegistry.registerPath(route);
  app.post(route.path, async (c) => {
    const raw = await readRawBody(c, deps.config.MAX_JSON_BYTES);
    // Authenticate before looking at the body at all.
    const verdict = verifyZendeskSignature({
      secrets: deps.config.ZENDESK_WEBHOOK_SECRETS,
      signature: c.req.header('x-zendesk-webhook-signature'),
      timestamp: c.req.header('x-zendesk-webhook-signature-timestamp'),
      rawBody: raw,
      now: deps.now(),
      maxAgeSeconds: deps.config.WEBHOOK_MAX_AGE_SECONDS,
    });
    if (!verdict.ok) {
      if (verdict.reason === 'stale') {
        throw new AppError(
          'stale_request',
          'X-Zendesk-Webhook-Signature-Timestamp is outside the allowed window',
        );
      }
      throw new AppError(
        verdict.reason === 'missing' ? 'unauthorized' : 'invalid_signature',
        verdict.reason === 'missing'
          ? 'Missing X-Zendesk-Webhook-Signature or X-Zendesk-Webhook-Signature-Timestamp (or no secret configured)'
          : 'X-Zendesk-Webhook-Signature does not match the body',
      );
    }
    requireMediaType(c, ['application/json']);
    let json: unknown;
    try {
      json = parseZendeskJson(raw.toString('utf8'));
    } catch (err) {
      throw new AppError(
        'bad_request',
        `Body is not valid JSON: ${err instanceof Error ? err.message : ''}`,
      );
    }
    const signature = {
      scheme: 'zendesk-hmac' as const,
      keyIndex: verdict.keyIndex,
      timestamp: verdict.timestamp,
    };
    const isTrigger = typeof json === 'object' && json !== null && 'deskpilot' in json;
    const parsed = isTrigger
      ? zendeskTriggerSchema.safeParse(json)
      : zendeskEventSchema.safeParse(json);
    if (!parsed.success)
      throw new AppError('validation_failed', describeIssues(parsed.error.issues));
    const delivery =
      'deskpilot' in parsed.data
        ? normalizeZendeskTrigger(parsed.data, signature, { ownEmail: deps.config.ZENDESK_EMAIL })
        : normalizeZendeskEvent(parsed.data, signature);
    if (delivery.helpdeskStatus) {
      // Admin-defined labels, not customer text.
      deps.log.warn(
        { zendeskTicketId: delivery.ticket.externalId, status: delivery.helpdeskStatus },
        'zendesk sent a status Deskpilot does not know; kept as-is, ticket status unchanged',
      );
    }
    const result = await acceptDelivery(deps.db, delivery, { sla: deps.config, live: deps.live });
    return intakeResponse(c, result);
  });
}
