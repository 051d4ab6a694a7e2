import { createRoute } from '@hono/zod-openapi';
import type { Deps } from '../../../../deps.js';
import { fromMailgunForm, verifyMailgunSignature } from '../../../../ingest/email/index.js';
import { emailToDelivery } from '../../../../ingest/email-delivery.js';
import { requireMediaType } from '../../../body.js';
import { AppError } from '../../../errors.js';
import { streamWebhookForm } from '../../../multipart.js';
import type { Router } from '../../../openapi.js';
import { acceptEmail, form, parseOptions, responses, toHttpError } from './shared.js';

export const route = createRoute({
  method: 'post',
  path: '/webhooks/email/mailgun',
  summary: 'Mailgun inbound route (signed with the webhook signing key)',
  request: { body: { content: form } },
  responses,
});

/** Index of the signing key that verifies these fields; throws the right 401/403 otherwise. */
function verifyMailgun(
  deps: Pick<Deps, 'config' | 'now'>,
  fields: Readonly<Record<string, string>>,
): number {
  const cfg = deps.config;
  // The signature is checked against every configured key (rotation).
  const now = deps.now();
  const verdicts = cfg.MAILGUN_SIGNING_KEYS.map((signingKey) =>
    verifyMailgunSignature({
      signingKey,
      timestamp: fields.timestamp,
      token: fields.token,
      signature: fields.signature,
      now,
      maxAgeSeconds: cfg.MAILGUN_MAX_AGE_SECONDS,
    }),
  );
  const keyIndex = verdicts.findIndex((v) => v.ok);
  if (keyIndex >= 0) return keyIndex;
  const reasons = verdicts.map((v) => (v.ok ? 'ok' : v.reason));
  if (reasons.includes('stale'))
    throw new AppError('stale_request', 'Mailgun timestamp is too old');
  if (reasons.length === 0 || reasons.every((r) => r === 'missing')) {
    throw new AppError(
      'unauthorized',
      'Missing Mailgun timestamp, token or signature (or no signing key configured)',
    );
  }
  throw new AppError('invalid_signature', 'Mailgun signature does not match');
}

export function registerMailgunWebhook(app: Router, deps: Deps) {
  const cfg = deps.config;
  app.openAPIRegistry.registerPath(route);
  app.post(route.path, async (c) => {
    requireMediaType(c, ['multipart/form-data', 'application/x-www-form-urlencoded']);
    if (cfg.MAILGUN_SIGNING_KEYS.length === 0) verifyMailgun(deps, {});
    // Authenticate first: the signature is checked the moment its three fields have arrived and
    // a bad one stops the upload there; file parts are only hashed on the way (never held).
    let keyIndex = -1;
    const { fields, files } = await streamWebhookForm(
      c,
      { maxBytes: cfg.MAX_EMAIL_BYTES },
      (name, sofar) => {
        if (keyIndex >= 0 || !['timestamp', 'token', 'signature'].includes(name)) return;
        if (sofar.timestamp && sofar.token && sofar.signature)
          keyIndex = verifyMailgun(deps, sofar);
      },
    );
    if (keyIndex < 0) keyIndex = verifyMailgun(deps, fields);
    const email = await fromMailgunForm(fields, files, parseOptions(deps)).catch(toHttpError);
    const delivery = emailToDelivery(
      email,
      { scheme: 'mailgun-hmac', keyIndex, timestamp: fields.timestamp },
      'mailgun',
    );
    // Tokens are single-use for as long as their timestamp would be accepted.
    delivery.nonce = { value: fields.token!, ttlSeconds: cfg.MAILGUN_MAX_AGE_SECONDS * 2 };
    return acceptEmail(deps, c, delivery);
  });
}
