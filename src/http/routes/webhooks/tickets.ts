import { createRoute } from '@hono/zod-openapi';
import type { Deps } from '../../../deps.js';
import { normalizeGenericEvent } from '../../../ingest/generic/normalize.js';
import { genericTicketEventSchema } from '../../../ingest/generic/schema.js';
import { acceptDelivery } from '../../../ingest/intake.js';
import { parseJsonBody, readRawBody, requireMediaType } from '../../body.js';
import { AppError, describeIssues } from '../../errors.js';
import { requireApiKey } from '../../middleware/auth.js';
import { jsonBody, type Router } from '../../openapi.js';
import { intakeResponse, intakeResponses } from './respond.js';

export const route = createRoute({
  method: 'post',
  path: '/webhooks/tickets',
  summary: 'Post a ticket event from any helpdesk',
  description:
    'Generic JSON intake, authenticated with an API key of any role (integration keys are meant for this).',
  security: [{ apiKey: [] }],
  request: {
    body: jsonBody(genericTicketEventSchema),
  },
  responses: {
    429: {
      description:
        'Rate limited, or over capacity (outbox past INTAKE_MAX_OUTBOX_DEPTH): retry after Retry-After',
    },
    ...intakeResponses('Duplicate delivery'),
  },
});

/** Back-pressure is sampled every second; a few seconds spread the senders' retries out. */
const SHED_RETRY_AFTER_SECONDS = 5;

export function registerGenericTicketWebhook(app: Router, deps: Deps) {
  app.use(route.path, requireApiKey(deps, 'integration'));
  app.openAPIRegistry.registerPath(route);
  app.post(route.path, async (c) => {
    if (deps.backpressure.intakeShedding()) {
      deps.backpressure.recordShed();
      throw new AppError(
        'rate_limited',
        'Deskpilot is over capacity (its outbox is past INTAKE_MAX_OUTBOX_DEPTH); retry later',
        { 'Retry-After': String(SHED_RETRY_AFTER_SECONDS) },
      );
    }
    requireMediaType(c, ['application/json']);
    const raw = await readRawBody(c, deps.config.MAX_JSON_BYTES);
    const parsed = genericTicketEventSchema.safeParse(parseJsonBody(raw));
    if (!parsed.success)
      throw new AppError('validation_failed', describeIssues(parsed.error.issues));
    const result = await acceptDelivery(
      deps.db,
      normalizeGenericEvent(parsed.data, c.get('principal')!),
      { sla: deps.config, live: deps.live },
    );
    return intakeResponse(c, result);
  });
}
