import { type AddressObject, type ParsedMail, simpleParser } from 'mailparser';
import { copyInTurns, decodeInTurns, threadTask } from '../../offload/pool.js';
import { addressList, flattenAddresses, type NamedAddress } from './addresses.js';
import { type EmailCore, finalizeEmail } from './build.js';
import { EmailParseError } from './errors.js';
import { firstHeader, headerValues, toHeaderBlock, unfold } from './headers.js';
import { normalizeMessageId, parseMessageIdList } from './message-id.js';
import type {
  MimeExtras,
  ThreadFinalizeTask,
  ThreadParseTask,
  ThreadResult,
} from './thread-types.js';
import type { HeaderField, HeaderList, InboundEmail, InboundParseOptions } from './types.js';

const PARSER_OPTIONS = {
  checksumAlgo: 'sha256',
  // We never render mailparser's text-as-HTML or link-ified text; skipping them saves CPU.
  skipTextToHtml: true,
  skipTextLinks: true,
  skipImageLinks: true,
  // Inlining cid: images as data: URIs would copy attachment bytes into `html`, which we keep.
  keepCidLinks: true,
  maxHtmlLengthToParse: 1_000_000,
} as const;

function headersFromLines(parsed: ParsedMail): HeaderField[] {
  return parsed.headerLines.map(({ key, line }) => {
    const colon = line.indexOf(':');
    return colon < 0
      ? { name: key, value: '' }
      : { name: line.slice(0, colon).trim(), value: unfold(line.slice(colon + 1)) };
  });
}

export function parseDate(raw: string | null): Date | null {
  if (raw === null || raw.trim() === '') return null;
  // The second form undoes RFC 5322 obsolete syntax: comments and spaces around the colons.
  const withoutComments = raw
    .replace(/\([^()]*\)/g, ' ')
    .replace(/\s+/g, ' ')
    .replace(/ ?: ?/g, ':');
  for (const candidate of [raw, withoutComments]) {
    const date = new Date(candidate.trim());
    if (!Number.isNaN(date.getTime())) return date;
  }
  return null;
}

function mediaType(parsed: ParsedMail, headers: HeaderList): string | null {
  const structured = parsed.headers.get('content-type');
  if (structured && typeof structured === 'object' && 'value' in structured) {
    const value = structured.value;
    if (typeof value === 'string' && value !== '') return value.toLowerCase();
  }
  const raw = firstHeader(headers, 'content-type');
  return raw ? (raw.split(';')[0]?.trim().toLowerCase() ?? null) : null;
}

/** Recipients the message was really delivered to, from the headers MTAs add on delivery. */
export function deliveredToFromHeaders(headers: HeaderList): string[] {
  const values = ['delivered-to', 'x-original-to', 'envelope-to'].flatMap((name) =>
    headerValues(headers, name),
  );
  return values.flatMap((value) => {
    const parsed = addressList(value);
    // Delivered-To is a bare address; accept it even where the address parser would not.
    return parsed.length > 0 ? parsed.map((entry) => entry.address) : [value.trim()];
  });
}

// mailparser does not recognise obsolete-syntax field names ("From  : …", RFC 5322 §4.5), which
// our header list has trimmed; such fields are read from there.
function addressesOf(
  parsedValue: AddressObject | AddressObject[] | undefined,
  headers: HeaderList,
  name: string,
): NamedAddress[] {
  const parsed = flattenAddresses(parsedValue);
  if (parsed.length > 0) return parsed;
  return headerValues(headers, name).flatMap((value) => addressList(value));
}

/** Everything but the derived fields, from mailparser's result. */
export function coreFromParsedMail(parsed: ParsedMail): EmailCore {
  const headers = headersFromLines(parsed);
  const fromEntry =
    addressesOf(parsed.from, headers, 'from')[0] ?? addressesOf(undefined, headers, 'sender')[0];
  return {
    messageId: normalizeMessageId(firstHeader(headers, 'message-id')),
    inReplyTo: parseMessageIdList(firstHeader(headers, 'in-reply-to'))[0] ?? null,
    references: parseMessageIdList(headerValues(headers, 'references').join(' ')),
    from: fromEntry ? { address: fromEntry.address, name: fromEntry.name || null } : null,
    to: addressesOf(parsed.to, headers, 'to').map((entry) => entry.address),
    cc: addressesOf(parsed.cc, headers, 'cc').map((entry) => entry.address),
    deliveredTo: deliveredToFromHeaders(headers),
    subject: parsed.subject ?? firstHeader(headers, 'subject') ?? '',
    date: parseDate(firstHeader(headers, 'date')),
    text: parsed.text ?? '',
    html: typeof parsed.html === 'string' ? parsed.html : null,
    attachments: parsed.attachments.map((attachment) => ({
      filename: attachment.filename ?? null,
      contentType: attachment.contentType,
      size: attachment.size,
      contentId: attachment.contentId ? normalizeMessageId(attachment.contentId) : null,
      sha256: attachment.checksum,
      tooLarge: false,
    })),
    headers,
    contentType: mediaType(parsed, headers),
  };
}

async function runParser(raw: Buffer): Promise<ParsedMail> {
  try {
    return await simpleParser(raw, PARSER_OPTIONS);
  } catch (cause) {
    throw new EmailParseError('unparseable', 'The message could not be parsed as MIME', { cause });
  }
}

/** Decodes header fields (encoded words, address lists) the way a raw message's would be. */
export async function coreFromHeaderFields(headers: HeaderList): Promise<EmailCore> {
  const block = toHeaderBlock(headers);
  if (block === '') return coreFromParsedMail(await runParser(Buffer.from('\r\n')));
  return coreFromParsedMail(await runParser(Buffer.from(`${block}\r\n`, 'utf8')));
}

function hasUsableContent(core: EmailCore): boolean {
  return (
    core.from !== null ||
    core.text.trim() !== '' ||
    (core.html ?? '').trim() !== '' ||
    core.attachments.length > 0 ||
    core.subject.trim() !== ''
  );
}

function headerSection(raw: Buffer): Buffer | null {
  for (const separator of ['\r\n\r\n', '\n\n']) {
    const end = raw.indexOf(separator);
    if (end > 0) return Buffer.concat([raw.subarray(0, end), Buffer.from('\r\n\r\n')]);
  }
  return null;
}

/** The channel-independent part of `parseRawEmail`, for providers that add envelope data. */
export async function parseRawCore(raw: Buffer): Promise<EmailCore> {
  if (!raw.some((byte) => byte > 0x20)) {
    throw new EmailParseError('empty', 'The message is empty');
  }
  let core: EmailCore;
  try {
    core = coreFromParsedMail(await runParser(raw));
  } catch (error) {
    // mailparser refuses whole messages past its safety limits (e.g. thousands of MIME parts);
    // the headers alone still say who wrote about what, which is worth a ticket.
    const head = headerSection(raw);
    if (head === null) throw error;
    core = coreFromParsedMail(await runParser(head));
  }
  if (!hasUsableContent(core)) {
    throw new EmailParseError(
      'no_usable_content',
      'The message has no sender, subject, body or attachment',
    );
  }
  return core;
}

/** `parseRawEmail` on the calling thread, whatever the size. */
export async function parseRawEmailHere(
  raw: Buffer,
  opts: InboundParseOptions,
  extras: MimeExtras = {},
): Promise<InboundEmail> {
  const core = await parseRawCore(raw);
  return finalizeEmail(
    {
      ...core,
      from: core.from ?? extras.fallbackFrom ?? null,
      deliveredTo: [...core.deliveredTo, ...(extras.envelope ?? [])],
    },
    opts,
  );
}

/**
 * Messages larger than this are parsed on a worker thread (src/offload/pool.ts). Below it,
 * parsing takes a few milliseconds and the hop would cost more than it saves; above it the work
 * grows with the message (≈ 0.5 s of event loop for 16 MB when it ran here). Mail this large
 * almost always carries attachments, so ordinary text tickets never take the hop.
 */
export const THREAD_PARSE_BYTES = 256 * 1024;

const parseOnThread = threadTask<ThreadParseTask, ThreadResult>(
  import.meta.url,
  'thread',
  'parseMime',
);

/** A thread task's result as this thread's value or `EmailParseError`. */
async function fromThread(result: ThreadResult): Promise<InboundEmail> {
  if (!result.ok) throw new EmailParseError(result.code, result.message, { field: result.field });
  const { email } = result;
  return {
    ...email,
    text: await decodeInTurns(email.text),
    html: email.html === null ? null : await decodeInTurns(email.html),
  };
}

/**
 * Parses a raw RFC 5322 message. Malformed mail is read best-effort (bad dates become null,
 * broken encodings are decoded as far as they go); `EmailParseError` is thrown only when there is
 * no sender, subject, body or attachment to be had at all. Large messages are parsed off the
 * event loop (`THREAD_PARSE_BYTES`), with the same result.
 */
export async function parseRawEmail(
  raw: Buffer,
  opts: InboundParseOptions,
  extras: MimeExtras = {},
): Promise<InboundEmail> {
  if (raw.length <= THREAD_PARSE_BYTES) return parseRawEmailHere(raw, opts, extras);
  // A copy the thread takes over (moved, not cloned); the caller's buffer stays usable.
  const bytes = await copyInTurns(raw);
  const task: ThreadParseTask = { raw: bytes, opts, extras };
  return fromThread(await parseOnThread(task, [bytes.buffer as ArrayBuffer]));
}

/** Provider fields whose bodies add up to more than this are finished on a worker thread. */
export const THREAD_FINALIZE_CHARS = 256 * 1024;

const finalizeOnThread = threadTask<ThreadFinalizeTask, ThreadResult>(
  import.meta.url,
  'thread',
  'finalize',
);

/**
 * `finalizeEmail` for channels that hand over fields instead of MIME (Mailgun, SendGrid parsed
 * mode, Postmark): body clean-up, HTML-to-text and reply stripping run off the event loop when
 * the bodies are large.
 */
export async function finalizeInbound(
  core: EmailCore,
  opts: InboundParseOptions,
): Promise<InboundEmail> {
  const chars =
    core.text.length + (core.html?.length ?? 0) + (core.providerStrippedText?.length ?? 0);
  if (chars <= THREAD_FINALIZE_CHARS) return finalizeEmail(core, opts);
  return fromThread(await finalizeOnThread({ core, opts }));
}
