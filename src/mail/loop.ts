import { normalizeAddress } from './headers.js';

// Mailboxes that never read what we send and, worse, often answer automatically. RFC 3834 §2
// names MAILER-DAEMON, LISTSERV, majordomo, owner-* and *-request; the rest are the no-reply
// addresses of notification senders and the bounce addresses of mailing services. Matched as the
// whole local part or as a ._+- separated piece of it (`mail-noreply@`, `noreply.billing@`,
// `bounces+123@`), the same way intake (src/ingest/email/automated.ts) recognises them.
const ROLE_LOCAL_PART =
  /(?:^|[._+-])(mailer-?daemon|postmaster|no-?reply|no_reply|do-?not-?reply|do_not_reply|donotreply|bounces?|listserv|majordomo)(?:[._+-]|$)/i;
const LIST_ADMIN_LOCAL_PART = /^owner-|-(?:request|owner)$/i;

export type NeverSendReason = 'invalid-address' | 'role-address' | 'own-address';

/** Lowercased `local@domain` with any `+tag` removed: one key per real mailbox. */
export function recipientKey(address: string): string | null {
  const normalized = normalizeAddress(address);
  if (normalized === null) return null;
  const at = normalized.lastIndexOf('@');
  const local = normalized.slice(0, at).toLowerCase();
  const plus = local.indexOf('+');
  const base = plus > 0 ? local.slice(0, plus) : local;
  return `${base}@${normalized.slice(at + 1)}`;
}

/**
 * Why an address must never receive our mail, or null when it may. Our own addresses (the support
 * mailbox, its `+token` reply addresses and any aliases) are refused so that a ticket opened by
 * our own mail cannot make us write to ourselves in a loop.
 */
export function neverSendReason(
  address: string,
  ownAddresses: readonly string[] = [],
): NeverSendReason | null {
  const key = recipientKey(address);
  if (key === null) return 'invalid-address';
  const local = key.slice(0, key.lastIndexOf('@'));
  // The full local part (tags included) is checked too: `support+bounces@` is as automated.
  const fullLocal = address.trim().slice(0, address.trim().lastIndexOf('@'));
  if (
    ROLE_LOCAL_PART.test(local) ||
    ROLE_LOCAL_PART.test(fullLocal) ||
    LIST_ADMIN_LOCAL_PART.test(local)
  ) {
    return 'role-address';
  }
  for (const own of ownAddresses) {
    if (recipientKey(own) === key) return 'own-address';
  }
  return null;
}

export function shouldNeverSendTo(address: string, ownAddresses: readonly string[] = []): boolean {
  return neverSendReason(address, ownAddresses) !== null;
}

export interface DailyCapVerdict {
  allowed: boolean;
  /** Sends left today after this one is allowed (0 when refused). */
  remaining: number;
}

/**
 * Per-recipient daily cap: at most `cap` messages to one mailbox (recipientKey) per UTC day
 * (dayStartUtc), counted from the deliveries table. It is the last guard against a reply loop
 * with an auto-responder that slipped past detection, and against a flood of tickets making us
 * mail one person all day. `countSentToday` is what was already sent before this message.
 * A cap of Infinity disables the check.
 */
export function checkDailyCap(countSentToday: number, cap: number): DailyCapVerdict {
  if (!Number.isFinite(countSentToday) || countSentToday < 0) {
    throw new RangeError('countSentToday must be a non-negative number');
  }
  if (Number.isNaN(cap) || cap < 0) throw new RangeError('cap must be a non-negative number');
  if (countSentToday >= cap) return { allowed: false, remaining: 0 };
  return { allowed: true, remaining: Math.max(0, cap - countSentToday - 1) };
}

/** Start of the UTC day containing `now`: the lower bound of the "sent today" count. */
export function dayStartUtc(now: Date): Date {
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
}
