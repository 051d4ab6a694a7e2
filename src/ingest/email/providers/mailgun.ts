import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { addressList } from '../addresses.js';
import type { EmailCore } from '../build.js';
import { normalizeMessageId } from '../message-id.js';
import { coreFromHeaderFields, finalizeInbound } from '../parse.js';
import type { HeaderField, InboundEmail, InboundParseOptions } from '../types.js';
import {
  fromProviderMime,
  jsonField,
  parsePayload,
  splitRecipients,
  type UploadedFile,
  uploadToAttachment,
} from './shared.js';

const headerValue = z
  .union([z.string(), z.number(), z.boolean(), z.null()])
  .transform((value) => (value === null ? '' : String(value)));

/**
 * Fields of a Mailgun inbound route POST: either the parsed message ("forward") or, for routes
 * whose URL ends in `mime`, the raw message in `body-mime`. Unknown fields are ignored.
 */
export const mailgunInboundFieldsSchema = z
  .object({
    'body-mime': z.string().optional(),
    sender: z.string().optional(),
    from: z.string().optional(),
    recipient: z.string().optional(),
    subject: z.string().optional(),
    'body-plain': z.string().optional(),
    'body-html': z.string().optional(),
    'stripped-text': z.string().optional(),
    'message-headers': jsonField(z.array(z.tuple([z.string(), headerValue]))).optional(),
    'Message-Id': z.string().optional(),
    'In-Reply-To': z.string().optional(),
    References: z.string().optional(),
    To: z.string().optional(),
    Cc: z.string().optional(),
    Date: z.string().optional(),
    'content-id-map': jsonField(z.record(z.string(), z.string())).optional(),
    'attachment-count': z.string().regex(/^\d+$/, 'must be a number').optional(),
    timestamp: z.string().optional(),
    token: z.string().optional(),
    signature: z.string().optional(),
  })
  .superRefine((fields, ctx) => {
    if (!fields['body-mime'] && !fields.from && !fields.sender) {
      ctx.addIssue({ code: 'custom', path: ['from'], message: 'from or body-mime is required' });
    }
  });

export type MailgunInboundFields = z.output<typeof mailgunInboundFieldsSchema>;

export interface MailgunConvertOptions extends InboundParseOptions {
  /**
   * `body-mime` as bytes, when the HTTP layer can get them: a form field decoded as UTF-8 has
   * already lost 8-bit bodies in other charsets.
   */
  rawMime?: Buffer;
}

// Mailgun's capitalised header fields, used when `message-headers` is absent.
const HEADER_FIELDS = [
  'From',
  'To',
  'Cc',
  'Subject',
  'Date',
  'Message-Id',
  'In-Reply-To',
  'References',
];

function headersOf(fields: MailgunInboundFields, raw: Record<string, string>): HeaderField[] {
  const listed = fields['message-headers'];
  if (listed && listed.length > 0) return listed.map(([name, value]) => ({ name, value }));
  return HEADER_FIELDS.flatMap((name) => {
    const value =
      raw[name] ??
      (name === 'From' ? fields.from : name === 'Subject' ? fields.subject : undefined);
    return value === undefined ? [] : [{ name, value }];
  });
}

function senderOf(fields: MailgunInboundFields): EmailCore['from'] {
  const entry = addressList(fields.from)[0] ?? addressList(fields.sender)[0];
  return entry ? { address: entry.address, name: entry.name || null } : null;
}

function attachmentsOf(fields: MailgunInboundFields, files: readonly UploadedFile[]) {
  // content-id-map maps "<cid>" to the field name of the inline file.
  const cidByField = new Map<string, string>();
  for (const [cid, fieldName] of Object.entries(fields['content-id-map'] ?? {})) {
    cidByField.set(fieldName, cid);
  }
  return files.map((file) => {
    const cid = cidByField.get(file.fieldName);
    return uploadToAttachment(file, { contentId: cid ? normalizeMessageId(cid) : null });
  });
}

/**
 * Converts a Mailgun inbound route POST (fields and file descriptions, already decoded by the HTTP
 * layer) to an InboundEmail. Invalid fields throw `EmailParseError('invalid_payload')` naming the
 * field; validating with `mailgunInboundFieldsSchema` first gives the same answer.
 */
export async function fromMailgunForm(
  fields: Record<string, string>,
  files: readonly UploadedFile[],
  opts: MailgunConvertOptions,
): Promise<InboundEmail> {
  const parsed = parsePayload(mailgunInboundFieldsSchema, fields);
  const envelope = splitRecipients(parsed.recipient);

  const mime =
    opts.rawMime ?? (parsed['body-mime'] ? Buffer.from(parsed['body-mime'], 'utf8') : null);
  if (mime) return fromProviderMime(mime, senderOf(parsed), envelope, opts);

  const headerCore = await coreFromHeaderFields(headersOf(parsed, fields));
  const core: EmailCore = {
    ...headerCore,
    messageId: headerCore.messageId ?? normalizeMessageId(parsed['Message-Id']),
    from: headerCore.from ?? senderOf(parsed),
    subject: parsed.subject ?? headerCore.subject,
    deliveredTo: [...headerCore.deliveredTo, ...envelope],
    text: parsed['body-plain'] ?? '',
    html: parsed['body-html'] ?? null,
    attachments: attachmentsOf(parsed, files),
    providerStrippedText: parsed['stripped-text'] ?? null,
  };
  return finalizeInbound(core, opts);
}

export type MailgunSignatureResult =
  | { ok: true }
  | { ok: false; reason: 'stale' | 'bad_signature' | 'missing' };

/**
 * Verifies a Mailgun webhook signature: hex HMAC-SHA256 of `timestamp + token` under the
 * account's webhook signing key. The signature is checked before the age so that "stale" is only
 * ever said of a genuine request (a replay worth logging). Token reuse is the caller's check.
 */
export function verifyMailgunSignature(input: {
  signingKey: string;
  timestamp: string | undefined | null;
  token: string | undefined | null;
  signature: string | undefined | null;
  now: Date;
  maxAgeSeconds?: number;
}): MailgunSignatureResult {
  const { signingKey, timestamp, token, signature, now } = input;
  const maxAgeSeconds = input.maxAgeSeconds ?? 120;
  if (!signingKey || !timestamp || !token || !signature) return { ok: false, reason: 'missing' };

  const expected = createHmac('sha256', signingKey)
    .update(timestamp + token)
    .digest();
  const given = /^[0-9a-f]+$/i.test(signature) ? Buffer.from(signature, 'hex') : Buffer.alloc(0);
  // timingSafeEqual throws on different lengths; a wrong length says nothing secret.
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return { ok: false, reason: 'bad_signature' };
  }

  const seconds = /^\d{1,15}$/.test(timestamp) ? Number(timestamp) : Number.NaN;
  const ageSeconds = now.getTime() / 1000 - seconds;
  // A timestamp from the future beyond the same window is as suspect as an old one.
  if (!Number.isFinite(ageSeconds) || Math.abs(ageSeconds) > maxAgeSeconds) {
    return { ok: false, reason: 'stale' };
  }
  return { ok: true };
}
