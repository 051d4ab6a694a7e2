import { createHash } from 'node:crypto';
import { z } from 'zod';
import { addressList } from '../addresses.js';
import type { EmailCore } from '../build.js';
import { firstHeader, headerValues } from '../headers.js';
import { normalizeMessageId, parseMessageIdList } from '../message-id.js';
import { deliveredToFromHeaders, finalizeInbound, parseDate } from '../parse.js';
import type {
  HeaderField,
  InboundAttachment,
  InboundEmail,
  InboundParseOptions,
} from '../types.js';
import { parsePayload } from './shared.js';

const postmarkAddressSchema = z.object({
  Email: z.string(),
  Name: z.string().nullish(),
  MailboxHash: z.string().nullish(),
});

const postmarkAttachmentSchema = z.object({
  Name: z.string().nullish(),
  ContentType: z.string().nullish(),
  ContentLength: z.number().int().nonnegative().nullish(),
  Content: z.string().nullish(),
  ContentID: z.string().nullish(),
});

/** Postmark's inbound webhook JSON; fields we do not use are allowed and ignored. */
export const postmarkInboundSchema = z
  .object({
    MessageID: z.string().nullish(),
    From: z.string().nullish(),
    FromName: z.string().nullish(),
    FromFull: postmarkAddressSchema.nullish(),
    To: z.string().nullish(),
    ToFull: z.array(postmarkAddressSchema).nullish(),
    Cc: z.string().nullish(),
    CcFull: z.array(postmarkAddressSchema).nullish(),
    Bcc: z.string().nullish(),
    BccFull: z.array(postmarkAddressSchema).nullish(),
    OriginalRecipient: z.string().nullish(),
    Subject: z.string().nullish(),
    Date: z.string().nullish(),
    TextBody: z.string().nullish(),
    HtmlBody: z.string().nullish(),
    StrippedTextReply: z.string().nullish(),
    MailboxHash: z.string().nullish(),
    Headers: z.array(z.object({ Name: z.string(), Value: z.string() })).nullish(),
    Attachments: z.array(postmarkAttachmentSchema).nullish(),
  })
  .superRefine((payload, ctx) => {
    if (!payload.FromFull?.Email && !payload.From) {
      ctx.addIssue({ code: 'custom', path: ['From'], message: 'From or FromFull is required' });
    }
  });

type PostmarkAddress = z.output<typeof postmarkAddressSchema>;

function addressesOf(
  full: readonly PostmarkAddress[] | null | undefined,
  flat: string | null | undefined,
) {
  const fromFull = (full ?? []).map((entry) => entry.Email).filter((email) => email.includes('@'));
  return fromFull.length > 0 ? fromFull : addressList(flat).map((entry) => entry.address);
}

// One character class, so the check stays linear on hostile input.
const BASE64 = /^[A-Za-z0-9+/=\s]*$/;

function attachmentOf(attachment: z.output<typeof postmarkAttachmentSchema>): InboundAttachment {
  const content = attachment.Content ?? null;
  // Content that is not base64 is not the file: size falls back to the declared length and the
  // digest is left unknown rather than computed over a placeholder.
  const bytes = content !== null && BASE64.test(content) ? Buffer.from(content, 'base64') : null;
  return {
    filename: attachment.Name || null,
    contentType: attachment.ContentType || 'application/octet-stream',
    size: bytes ? bytes.byteLength : (attachment.ContentLength ?? 0),
    contentId: attachment.ContentID ? normalizeMessageId(attachment.ContentID) : null,
    sha256: bytes ? createHash('sha256').update(bytes).digest('hex') : '',
    tooLarge: false,
  };
}

/**
 * Converts Postmark's inbound webhook JSON to an InboundEmail. `MessageID` there is Postmark's
 * own id; the sender's Message-ID comes from `Headers` and Postmark's id is only the fallback
 * (stable across Postmark's retries, so it still de-duplicates).
 */
export async function fromPostmarkJson(
  payload: unknown,
  opts: InboundParseOptions,
): Promise<InboundEmail> {
  const parsed = parsePayload(postmarkInboundSchema, payload);
  const headers: HeaderField[] = (parsed.Headers ?? []).map((header) => ({
    name: header.Name,
    value: header.Value,
  }));
  const fromEntry = parsed.FromFull?.Email
    ? { address: parsed.FromFull.Email, name: parsed.FromFull.Name || parsed.FromName || '' }
    : addressList(parsed.From)[0];

  const core: EmailCore = {
    messageId:
      normalizeMessageId(firstHeader(headers, 'message-id')) ??
      normalizeMessageId(parsed.MessageID),
    inReplyTo: parseMessageIdList(firstHeader(headers, 'in-reply-to'))[0] ?? null,
    references: parseMessageIdList(headerValues(headers, 'references').join(' ')),
    from: fromEntry ? { address: fromEntry.address, name: fromEntry.name || null } : null,
    to: addressesOf(parsed.ToFull, parsed.To),
    cc: addressesOf(parsed.CcFull, parsed.Cc),
    deliveredTo: [
      ...(parsed.OriginalRecipient ? [parsed.OriginalRecipient] : []),
      ...deliveredToFromHeaders(headers),
    ],
    subject: parsed.Subject ?? '',
    date: parseDate(parsed.Date ?? firstHeader(headers, 'date')),
    text: parsed.TextBody ?? '',
    html: parsed.HtmlBody ?? null,
    attachments: (parsed.Attachments ?? []).map(attachmentOf),
    headers,
    contentType: firstHeader(headers, 'content-type'),
    providerStrippedText: parsed.StrippedTextReply ?? null,
    providerPlusToken: parsed.MailboxHash || null,
  };
  return finalizeInbound(core, opts);
}
