import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { Deps } from '../../../deps.js';
import {
  EmailParseError,
  fromMailgunForm,
  fromPostmarkJson,
  fromSendGridForm,
  parseRawEmail,
  postmarkInboundSchema,
  verifyMailgunSignature,
} from '../../../ingest/email/index.js';
import type { InboundEmail } from '../../../ingest/email/types.js';
import { emailToDelivery } from '../../../ingest/email-delivery.js';
import { acceptDelivery } from '../../../ingest/intake.js';
import type { InboundDelivery } from '../../../ingest/types.js';
import { parseJsonBody, readRawBody, requireMediaType } from '../../body.js';
import { AppError } from '../../errors.js';
import { requireBasicAuth } from '../../middleware/basic-auth.js';
import { streamWebhookForm } from '../../multipart.js';
import { createRouter } from '../../openapi.js';
import { intakeResponse } from './respond.js';
import { intakeResultSchema } from './tickets.js';

const responses = {
  202: { description: 'Accepted', content: { 'application/json': { schema: intakeResultSchema } } },
  200: {
    description: 'Duplicate (same Message-ID)',
    content: { 'application/json': { schema: intakeResultSchema } },
  },
};
const form = { 'multipart/form-data': { schema: z.record(z.string(), z.unknown()) } };

const routes = {
  raw: createRoute({
    method: 'post',
    path: '/webhooks/email/raw',
    summary: 'Inbound email as a raw RFC 822 message (basic auth)',
    request: { body: { content: { 'message/rfc822': { schema: z.string() } } } },
    responses,
  }),
  mailgun: createRoute({
    method: 'post',
    path: '/webhooks/email/mailgun',
    summary: 'Mailgun inbound route (signed with the webhook signing key)',
    request: { body: { content: form } },
    responses,
  }),
  sendgrid: createRoute({
    method: 'post',
    path: '/webhooks/email/sendgrid',
    summary: 'SendGrid Inbound Parse, parsed or raw mode (basic auth in the URL)',
    request: { body: { content: form } },
    responses,
  }),
  postmark: createRoute({
    method: 'post',
    path: '/webhooks/email/postmark',
    summary: 'Postmark inbound JSON (basic auth in the URL)',
    request: { body: { content: { 'application/json': { schema: postmarkInboundSchema } } } },
    responses,
  }),
};

function toHttpError(err: unknown): never {
  if (err instanceof EmailParseError) {
    throw new AppError(
      err.code === 'invalid_payload' ? 'validation_failed' : 'bad_request',
      err.field ? `${err.field}: ${err.message}` : err.message,
    );
  }
  throw err;
}

export function emailWebhooks(deps: Deps) {
  const app = createRouter();
  const cfg = deps.config;
  const parseOpts = {
    maxAttachmentBytes: cfg.MAX_ATTACHMENT_BYTES,
    supportAddress: cfg.SUPPORT_ADDRESS,
  };
  const basic = requireBasicAuth(() => cfg.INBOUND_BASIC_AUTH);
  for (const route of Object.values(routes)) app.openAPIRegistry.registerPath(route);

  const accept = async (c: Context, delivery: InboundDelivery) => {
    const result = await acceptDelivery(deps.db, delivery, {
      solveKeywords: cfg.SOLVE_KEYWORDS,
      sla: cfg,
    });
    return intakeResponse(c, result);
  };

  app.post(routes.raw.path, basic, async (c) => {
    requireMediaType(c, ['message/rfc822', 'application/octet-stream', 'text/plain']);
    const raw = await readRawBody(c, cfg.MAX_EMAIL_BYTES);
    if (raw.length === 0)
      throw new AppError('bad_request', 'Body is empty: expected an RFC 822 message');
    const email = await parseRawEmail(raw, parseOpts).catch(toHttpError);
    return accept(c, emailToDelivery(email, { scheme: 'basic-auth' }, 'raw'));
  });

  app.post(routes.sendgrid.path, basic, async (c) => {
    requireMediaType(c, ['multipart/form-data']);
    const { fields, files } = await streamWebhookForm(c, { maxBytes: cfg.MAX_EMAIL_BYTES });
    const email = await fromSendGridForm(fields, files, parseOpts).catch(toHttpError);
    return accept(c, emailToDelivery(email, { scheme: 'basic-auth' }, 'sendgrid'));
  });

  app.post(routes.postmark.path, basic, async (c) => {
    requireMediaType(c, ['application/json']);
    const raw = await readRawBody(c, cfg.MAX_EMAIL_BYTES);
    let email: InboundEmail;
    try {
      email = await fromPostmarkJson(parseJsonBody(raw), parseOpts);
    } catch (err) {
      toHttpError(err);
    }
    return accept(c, emailToDelivery(email, { scheme: 'basic-auth' }, 'postmark'));
  });

  /** Index of the signing key that verifies these fields; throws the right 401/403 otherwise. */
  const verifyMailgun = (fields: Readonly<Record<string, string>>): number => {
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
  };

  app.post(routes.mailgun.path, async (c) => {
    requireMediaType(c, ['multipart/form-data', 'application/x-www-form-urlencoded']);
    if (cfg.MAILGUN_SIGNING_KEYS.length === 0) verifyMailgun({});
    // Authenticate first: the signature is checked the moment its three fields have arrived and
    // a bad one stops the upload there; file parts are only hashed on the way (never held).
    let keyIndex = -1;
    const { fields, files } = await streamWebhookForm(
      c,
      { maxBytes: cfg.MAX_EMAIL_BYTES },
      (name, sofar) => {
        if (keyIndex >= 0 || !['timestamp', 'token', 'signature'].includes(name)) return;
        if (sofar.timestamp && sofar.token && sofar.signature) keyIndex = verifyMailgun(sofar);
      },
    );
    if (keyIndex < 0) keyIndex = verifyMailgun(fields);
    const email = await fromMailgunForm(fields, files, parseOpts).catch(toHttpError);
    const delivery = emailToDelivery(
      email,
      { scheme: 'mailgun-hmac', keyIndex, timestamp: fields.timestamp },
      'mailgun',
    );
    // Tokens are single-use for as long as their timestamp would be accepted.
    delivery.nonce = { value: fields.token!, ttlSeconds: cfg.MAILGUN_MAX_AGE_SECONDS * 2 };
    return accept(c, delivery);
  });

  return app;
}
