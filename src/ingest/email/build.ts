import { extractPlusToken, isValidPlusToken } from '../../mail/plus-token.js';
import { detectAutomated } from './automated.js';
import { stripQuotedReply } from './reply-strip.js';
import { cleanBody, cleanString, htmlToPlainText } from './text.js';
import type { HeaderList, InboundEmail, InboundParseOptions } from './types.js';

/** What each channel extracts before the shared steps (text, stripping, automation, token). */
export interface EmailCore
  extends Omit<InboundEmail, 'strippedText' | 'automated' | 'automatedReason' | 'plusToken'> {
  headers: HeaderList;
  contentType: string | null;
  /** The provider's own reply extraction (Mailgun `stripped-text`, Postmark `StrippedTextReply`). */
  providerStrippedText?: string | null;
  /** A token the provider already split off (Postmark `MailboxHash`). */
  providerPlusToken?: string | null;
}

const MAX_SUBJECT_CHARS = 2_000;
const MAX_ADDRESS_CHARS = 320;

function cleanAddresses(addresses: readonly string[]): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const raw of addresses) {
    const address = cleanString(raw).trim().slice(0, MAX_ADDRESS_CHARS);
    const key = address.toLowerCase();
    if (address === '' || seen.has(key)) continue;
    seen.add(key);
    out.push(address);
  }
  return out;
}

export function finalizeEmail(core: EmailCore, options: InboundParseOptions): InboundEmail {
  const html = core.html !== null && core.html.trim() !== '' ? cleanString(core.html) : null;
  let text = cleanBody(core.text);
  if (text.trim() === '' && html !== null) text = cleanBody(htmlToPlainText(html));

  const subject = cleanString(core.subject).replace(/\s+/g, ' ').trim().slice(0, MAX_SUBJECT_CHARS);
  const from = core.from
    ? {
        address: cleanString(core.from.address).trim().slice(0, MAX_ADDRESS_CHARS),
        name: core.from.name ? cleanString(core.from.name).trim() || null : null,
      }
    : null;
  const to = cleanAddresses(core.to);
  const cc = cleanAddresses(core.cc);
  const deliveredTo = cleanAddresses(core.deliveredTo);

  const providerStripped = core.providerStrippedText ? cleanBody(core.providerStrippedText) : '';
  // The provider saw the same message and its extraction is good; ours keeps channels uniform when
  // it has none.
  const strippedText =
    providerStripped.trim() !== '' ? providerStripped.trim() : stripQuotedReply(text);

  const verdict = detectAutomated({
    headers: core.headers,
    fromAddress: from?.address ?? null,
    subject,
    contentType: core.contentType,
    supportAddress: options.supportAddress,
  });

  const providerToken =
    core.providerPlusToken && isValidPlusToken(core.providerPlusToken)
      ? core.providerPlusToken
      : null;
  const plusToken =
    providerToken ?? extractPlusToken([...deliveredTo, ...to, ...cc], options.supportAddress);

  return {
    messageId: core.messageId,
    inReplyTo: core.inReplyTo,
    references: core.references,
    from: from && from.address !== '' ? from : null,
    to,
    cc,
    deliveredTo,
    subject,
    date: core.date && !Number.isNaN(core.date.getTime()) ? core.date : null,
    text,
    html,
    strippedText,
    attachments: core.attachments.map((attachment) => ({
      ...attachment,
      filename: attachment.filename ? cleanString(attachment.filename).trim() || null : null,
      contentType:
        cleanString(attachment.contentType).trim().toLowerCase() || 'application/octet-stream',
      tooLarge: attachment.size > options.maxAttachmentBytes,
    })),
    automated: verdict.automated,
    automatedReason: verdict.reason,
    plusToken,
  };
}

/**
 * Worth opening (or continuing) a ticket for: sent by a person, with an address to answer and
 * something to read. Automated mail is recorded but not ticketed.
 */
export function isTicketCandidate(email: InboundEmail): boolean {
  return (
    !email.automated &&
    email.from !== null &&
    email.from.address.includes('@') &&
    (email.text.trim() !== '' || email.subject !== '' || email.attachments.length > 0)
  );
}
