import { z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { Deps } from '../../../../deps.js';
import { EmailParseError } from '../../../../ingest/email/index.js';
import { acceptDelivery } from '../../../../ingest/intake.js';
import type { InboundDelivery } from '../../../../ingest/types.js';
import { AppError } from '../../../errors.js';
import { requireBasicAuth } from '../../../middleware/basic-auth.js';
import { intakeResponse, intakeResponses } from '../respond.js';

/** What every email webhook answers: a duplicate is the same Message-ID again. */
export const responses = intakeResponses('Duplicate (same Message-ID)');

/** The body of the form-posting providers (Mailgun, SendGrid). */
export const form = { 'multipart/form-data': { schema: z.record(z.string(), z.unknown()) } };

/** Options every provider's parser takes. */
export function parseOptions(deps: Pick<Deps, 'config'>) {
  return {
    maxAttachmentBytes: deps.config.MAX_ATTACHMENT_BYTES,
    supportAddress: deps.config.SUPPORT_ADDRESS,
  };
}

/**
 * Basic auth for the providers that can only put credentials in the webhook URL (raw, SendGrid,
 * Postmark); Mailgun signs its posts instead.
 */
export function inboundBasicAuth(deps: Pick<Deps, 'config'>) {
  return requireBasicAuth(() => deps.config.INBOUND_BASIC_AUTH);
}

/** A parser's error as the HTTP error it stands for; anything else is rethrown as it is. */
export function toHttpError(err: unknown): never {
  if (err instanceof EmailParseError) {
    throw new AppError(
      err.code === 'invalid_payload' ? 'validation_failed' : 'bad_request',
      err.field ? `${err.field}: ${err.message}` : err.message,
    );
  }
  throw err;
}

/** Stores the delivery (one transaction, see ingest/intake.ts) and answers 202 or 200. */
export async function acceptEmail(
  deps: Pick<Deps, 'db' | 'config' | 'live'>,
  c: Context,
  delivery: InboundDelivery,
) {
  const result = await acceptDelivery(deps.db, delivery, {
    solveKeywords: deps.config.SOLVE_KEYWORDS,
    sla: deps.config,
    live: deps.live,
  });
  return intakeResponse(c, result);
}
