import type { SendMailOptions } from 'nodemailer';
import { invalidMessage } from './errors.js';
import {
  cleanHeaderText,
  isValidMessageId,
  MAX_NAME_CHARS,
  MAX_SUBJECT_CHARS,
  requireAddress,
  validateCustomHeaders,
} from './headers.js';
import { renderHtmlFromText } from './html.js';
import { threadIds } from './threading.js';
import type { MailSender, OutboundEmail } from './types.js';

/** An OutboundEmail after validation: every value is safe to put in a header. */
export interface PreparedEmail {
  from: { address: string; name: string };
  to: { address: string; name: string };
  replyTo: string;
  subject: string;
  messageId: string;
  inReplyTo: string | null;
  references: string[];
  text: string;
  html: string;
  /** Header name → value, in the order they are written (custom ones first). */
  headers: Record<string, string>;
}

export function prepareSender(sender: MailSender): { address: string; name: string } {
  return {
    address: requireAddress(sender.address, 'the From address'),
    name: cleanHeaderText(sender.name ?? '', MAX_NAME_CHARS),
  };
}

/**
 * Validates and cleans a message. Throws MailSendError (permanent, code EINVALID) for anything
 * that cannot be sent as asked: bad addresses, a bad Message-ID, unsafe custom headers.
 */
export function prepareEmail(
  mail: OutboundEmail,
  from: { address: string; name: string },
): PreparedEmail {
  const to = {
    address: requireAddress(mail.to.address, 'the recipient'),
    name: cleanHeaderText(mail.to.name ?? '', MAX_NAME_CHARS),
  };
  const replyTo = requireAddress(mail.replyTo, 'the Reply-To address');
  if (!isValidMessageId(mail.messageId)) {
    throw invalidMessage('messageId must be an id from newMessageId(), without angle brackets');
  }
  const thread = threadIds(mail.references, mail.inReplyTo, mail.messageId);
  const headers: Record<string, string> = {
    ...validateCustomHeaders(mail.headers),
    // Stops Exchange/Outlook out-of-office and delivery-receipt auto-replies to our mail, which
    // would otherwise come back to the support mailbox as new messages.
    'X-Auto-Response-Suppress': 'All',
  };
  if (mail.autoSubmitted === true) headers['Auto-Submitted'] = 'auto-replied';
  const text = mail.text.replace(/\r\n?/g, '\n');
  return {
    from,
    to,
    replyTo,
    subject: cleanHeaderText(mail.subject, MAX_SUBJECT_CHARS),
    messageId: mail.messageId,
    inReplyTo: thread.inReplyTo,
    references: thread.references,
    text,
    html: mail.html.trim() === '' ? renderHtmlFromText(text) : mail.html,
    headers,
  };
}

/** nodemailer options for a prepared message. The envelope is explicit: exactly one recipient. */
export function toNodemailerOptions(prepared: PreparedEmail): SendMailOptions {
  return {
    from: prepared.from.name
      ? { name: prepared.from.name, address: prepared.from.address }
      : prepared.from.address,
    to: prepared.to.name
      ? { name: prepared.to.name, address: prepared.to.address }
      : prepared.to.address,
    // Named like From, so the customer's client shows who the reply goes to, not a bare token.
    replyTo: prepared.from.name
      ? { name: prepared.from.name, address: prepared.replyTo }
      : prepared.replyTo,
    subject: prepared.subject,
    messageId: `<${prepared.messageId}>`,
    ...(prepared.inReplyTo !== null && { inReplyTo: `<${prepared.inReplyTo}>` }),
    ...(prepared.references.length > 0 && {
      references: prepared.references.map((id) => `<${id}>`),
    }),
    text: prepared.text,
    html: prepared.html,
    headers: prepared.headers,
    envelope: { from: prepared.from.address, to: [prepared.to.address] },
    xMailer: false,
  };
}
