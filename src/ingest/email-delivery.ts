import { createHash } from 'node:crypto';
import type { SignatureMeta } from '../db/schema/inbox-events.js';
import type { InboundEmail } from './email/types.js';
import type { InboundDelivery } from './types.js';

/**
 * Maps a parsed inbound email (from any provider) onto the common delivery shape. Duplicates are
 * recognised by Message-ID from the same sender through the same provider; a message without one (rare, but bounces do it) is keyed by a digest
 * of what identifies it.
 */
export function emailToDelivery(
  email: InboundEmail,
  signature: SignatureMeta,
  provider: 'raw' | 'mailgun' | 'sendgrid' | 'postmark',
): InboundDelivery {
  // A Message-ID is chosen by the sender, so anyone can send one first: keyed on its own, a
  // stranger could pre-register another sender's next Message-ID and have the real mail dropped
  // as a duplicate. Scoped by provider and sender, only the same sender's redelivery is one.
  const sender = email.from?.address.toLowerCase() ?? '';
  const dedupeKey = email.messageId
    ? `mid:${provider}:${sender}:${email.messageId.toLowerCase()}`
    : `digest:${createHash('sha256')
        .update(
          JSON.stringify([
            email.from?.address,
            email.subject,
            email.date?.toISOString(),
            email.text,
          ]),
        )
        .digest('hex')}`;
  return {
    source: 'email',
    dedupeKey,
    eventType: `email.${provider}`,
    signature,
    ticket: {
      subject: email.subject,
      requesterEmail: email.from?.address ?? null,
      requesterName: email.from?.name ?? null,
      channel: 'email',
      automated: email.automated,
      automatedReason: email.automatedReason,
    },
    thread: {
      replyToken: email.plusToken,
      emailMessageIds: [email.inReplyTo, ...email.references].filter((id): id is string => !!id),
    },
    message: {
      authorKind: 'customer',
      authorEmail: email.from?.address ?? null,
      authorName: email.from?.name ?? null,
      bodyText: email.text,
      bodyHtml: email.html,
      strippedText: email.strippedText,
      emailMessageId: email.messageId,
      emailInReplyTo: email.inReplyTo,
      emailReferences: email.references,
      attachments: email.attachments.map((a) => ({ ...a, sha256: a.sha256 || null })),
      automated: email.automated,
    },
  };
}
