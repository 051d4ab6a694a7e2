import { createHash } from 'node:crypto';
import { z } from 'zod';
import { addressList } from '../addresses.js';
import type { EmailCore } from '../build.js';
import { EmailParseError } from '../errors.js';
import { parseRawEmail } from '../parse.js';
import type { InboundAttachment, InboundEmail, InboundParseOptions } from '../types.js';

/**
 * A file part of a provider's multipart webhook, described by the HTTP layer. The bytes are not
 * passed on: `sha256` is computed there (see `describeUpload`), or left out when unknown.
 */
export interface UploadedFile {
  fieldName: string;
  filename: string | null;
  contentType: string;
  size: number;
  sha256?: string;
}

/** Describes a `File` from `Request.formData()` (or any Blob) without keeping its bytes. */
export async function describeUpload(
  fieldName: string,
  file: Blob & { name?: string },
): Promise<UploadedFile> {
  const bytes = new Uint8Array(await file.arrayBuffer());
  return {
    fieldName,
    filename: file.name && file.name !== 'blob' ? file.name : null,
    contentType: file.type || 'application/octet-stream',
    size: bytes.byteLength,
    sha256: createHash('sha256').update(bytes).digest('hex'),
  };
}

export function uploadToAttachment(
  file: UploadedFile,
  overrides: { filename?: string | null; contentType?: string | null; contentId?: string | null },
): InboundAttachment {
  return {
    filename: overrides.filename ?? file.filename,
    contentType: overrides.contentType || file.contentType || 'application/octet-stream',
    size: file.size,
    contentId: overrides.contentId ?? null,
    sha256: file.sha256 ?? '',
    tooLarge: false,
  };
}

/**
 * Validates a webhook payload; on failure throws `EmailParseError('invalid_payload')` whose
 * `field` names the first offending field, for a 400 that tells the sender what to fix.
 */
export function parsePayload<Schema extends z.ZodType>(
  schema: Schema,
  input: unknown,
): z.output<Schema> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const field = issue && issue.path.length > 0 ? issue.path.map(String).join('.') : null;
  throw new EmailParseError(
    'invalid_payload',
    `${field ?? 'payload'}: ${issue?.message ?? 'invalid'}`,
    { field, cause: result.error },
  );
}

/** A form field that carries JSON, validated by `schema` once parsed. */
export function jsonField<Schema extends z.ZodType>(schema: Schema) {
  return z
    .string()
    .transform((value, ctx): unknown => {
      try {
        return JSON.parse(value);
      } catch {
        ctx.addIssue({ code: 'custom', message: 'must be valid JSON' });
        return z.NEVER;
      }
    })
    .pipe(schema);
}

export function splitRecipients(value: string | null | undefined): string[] {
  return addressList(value).map((entry) => entry.address);
}

/**
 * Splits a multipart webhook body (`await c.req.formData()`) into the text fields and the file
 * descriptions the converters take. Repeated text fields keep their first value.
 */
export async function readWebhookForm(
  form: FormData,
): Promise<{ fields: Record<string, string>; files: UploadedFile[] }> {
  const fields: Record<string, string> = Object.create(null);
  const files: UploadedFile[] = [];
  for (const [name, value] of form.entries()) {
    if (typeof value === 'string') {
      if (!(name in fields)) fields[name] = value;
    } else {
      files.push(await describeUpload(name, value));
    }
  }
  return { fields, files };
}

/**
 * The raw-MIME branch both Mailgun (`body-mime`) and SendGrid (raw mode `email`) take: parse the
 * message itself, fall back to the provider's sender field, and add the envelope recipients.
 */
export async function fromProviderMime(
  mime: Buffer,
  fallbackFrom: EmailCore['from'],
  envelope: readonly string[],
  opts: InboundParseOptions,
): Promise<InboundEmail> {
  return parseRawEmail(mime, opts, { fallbackFrom, envelope });
}
