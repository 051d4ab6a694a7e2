import { z } from 'zod';
import { addressList } from '../addresses.js';
import type { EmailCore } from '../build.js';
import { parseHeaderBlock } from '../headers.js';
import { normalizeMessageId } from '../message-id.js';
import { coreFromHeaderFields, finalizeInbound } from '../parse.js';
import type { InboundEmail, InboundParseOptions } from '../types.js';
import {
  fromProviderMime,
  jsonField,
  parsePayload,
  splitRecipients,
  type UploadedFile,
  uploadToAttachment,
} from './shared.js';

const sendGridEnvelopeSchema = z.object({
  to: z.union([z.array(z.string()), z.string()]).optional(),
  from: z.string().nullish(),
});

const sendGridAttachmentInfoSchema = z.record(
  z.string(),
  z.object({
    filename: z.string().nullish(),
    name: z.string().nullish(),
    type: z.string().nullish(),
    'content-id': z.string().nullish(),
  }),
);

/**
 * Fields of a SendGrid Inbound Parse POST, in the default (parsed) mode or with "POST the raw,
 * full MIME message" on (field `email`). Unknown fields (dkim, SPF, spam_score…) are ignored.
 */
export const sendGridInboundFieldsSchema = z
  .object({
    email: z.string().optional(),
    headers: z.string().optional(),
    text: z.string().optional(),
    html: z.string().optional(),
    from: z.string().optional(),
    to: z.string().optional(),
    cc: z.string().optional(),
    subject: z.string().optional(),
    envelope: jsonField(sendGridEnvelopeSchema).optional(),
    charsets: jsonField(z.record(z.string(), z.string())).optional(),
    attachments: z.string().regex(/^\d+$/, 'must be a number').optional(),
    'attachment-info': jsonField(sendGridAttachmentInfoSchema).optional(),
  })
  .superRefine((fields, ctx) => {
    if (!fields.email && !fields.headers && !fields.from) {
      ctx.addIssue({
        code: 'custom',
        path: ['from'],
        message: 'email, headers or from is required',
      });
    }
  });

export type SendGridInboundFields = z.output<typeof sendGridInboundFieldsSchema>;

export interface SendGridConvertOptions extends InboundParseOptions {
  /** The `email` field as bytes, when the HTTP layer can get them (see Mailgun's `rawMime`). */
  rawMime?: Buffer;
}

function envelopeRecipients(fields: SendGridInboundFields): string[] {
  const to = fields.envelope?.to;
  if (to === undefined) return [];
  return (Array.isArray(to) ? to : [to]).flatMap((value) => splitRecipients(value));
}

function senderOf(fields: SendGridInboundFields): EmailCore['from'] {
  const entry = addressList(fields.from)[0] ?? addressList(fields.envelope?.from)[0];
  return entry ? { address: entry.address, name: entry.name || null } : null;
}

/**
 * Converts a SendGrid Inbound Parse POST (fields and file descriptions, already decoded by the
 * HTTP layer) to an InboundEmail. In parsed mode SendGrid has converted `text`, `html`, `subject`
 * and the address fields to the charsets named in `charsets`; the HTTP layer decodes them as
 * UTF-8, so raw mode is the lossless setup.
 */
export async function fromSendGridForm(
  fields: Record<string, string>,
  files: readonly UploadedFile[],
  opts: SendGridConvertOptions,
): Promise<InboundEmail> {
  const parsed = parsePayload(sendGridInboundFieldsSchema, fields);
  const envelope = envelopeRecipients(parsed);

  const mime = opts.rawMime ?? (parsed.email ? Buffer.from(parsed.email, 'utf8') : null);
  if (mime) return fromProviderMime(mime, senderOf(parsed), envelope, opts);

  const headerCore = await coreFromHeaderFields(parseHeaderBlock(parsed.headers ?? ''));
  const info = parsed['attachment-info'] ?? {};
  const to = splitRecipients(parsed.to);
  const cc = splitRecipients(parsed.cc);
  const core: EmailCore = {
    ...headerCore,
    from: senderOf(parsed) ?? headerCore.from,
    to: to.length > 0 ? to : headerCore.to,
    cc: cc.length > 0 ? cc : headerCore.cc,
    subject: parsed.subject ?? headerCore.subject,
    deliveredTo: [...headerCore.deliveredTo, ...envelope],
    text: parsed.text ?? '',
    html: parsed.html ?? null,
    attachments: files.map((file) => {
      const described = info[file.fieldName];
      const contentId = described?.['content-id'];
      return uploadToAttachment(file, {
        filename: described?.filename ?? described?.name ?? null,
        contentType: described?.type ?? null,
        contentId: contentId ? normalizeMessageId(contentId) : null,
      });
    }),
  };
  return finalizeInbound(core, opts);
}
