import { randomBytes } from 'node:crypto';
import { domainToASCII } from 'node:url';
import { bareMessageId, normalizeAddress } from './headers.js';
import { isValidPlusToken } from './plus-token.js';

/**
 * How many Message-IDs of a References header Deskpilot keeps, one limit per direction; RFC 5322
 * §3.6.4 sets none, and the two sides want different things, so the numbers differ on purpose:
 *
 * - **Read** (inbound mail, `parseMessageIdList`): the newest ids of a received References list,
 *   each a candidate for finding the ticket a reply belongs to. Generous, because a long thread
 *   passed through other clients may carry our id far from its end; bounded, so a hostile header
 *   cannot turn one message into thousands of lookups.
 * - **Written** (our replies, `threadIds`): enough of the thread for every mail client's
 *   threading (the root and the newest ids); older ids only lengthen the header.
 */
export const REFERENCES_READ_LIMIT = 100;
export const REFERENCES_WRITTEN_LIMIT = 20;

/** The domain part of an address, lowercased and in ASCII form. */
export function domainOf(address: string): string {
  const normalized = normalizeAddress(address);
  if (normalized === null) throw new TypeError(`not a valid email address: ${address}`);
  return normalized.slice(normalized.lastIndexOf('@') + 1);
}

/**
 * A new Message-ID for our own mail, without angle brackets: `<time36>.<random>@<domain>`.
 * 96 random bits make collisions irrelevant; the time prefix keeps ids roughly sortable in logs.
 */
export function newMessageId(domain: string): string {
  const ascii = domainToASCII(domain.trim()).toLowerCase();
  if (ascii === '' || !/^[a-z0-9.-]+$/.test(ascii)) {
    throw new TypeError(`not a valid domain for a Message-ID: ${domain}`);
  }
  return `${Date.now().toString(36)}.${randomBytes(12).toString('base64url')}@${ascii}`;
}

/**
 * `support+<token>@domain` for the support mailbox `support@domain`. Inbound mail to that address
 * is matched back to the ticket by extractPlusToken (src/ingest/email/plus-token.ts), which
 * accepts the same token charset. An existing `+tag` on the support address is replaced.
 */
export function replyAddress(supportAddress: string, token: string): string {
  if (!isValidPlusToken(token)) {
    throw new TypeError('reply token must be 1-64 characters of A-Z, a-z, 0-9, _ and -');
  }
  const normalized = normalizeAddress(supportAddress);
  if (normalized === null) throw new TypeError(`not a valid support address: ${supportAddress}`);
  const at = normalized.lastIndexOf('@');
  const local = normalized.slice(0, at);
  const base = local.includes('+') ? local.slice(0, local.indexOf('+')) : local;
  if (base === '') throw new TypeError(`not a valid support address: ${supportAddress}`);
  return `${base}+${token}@${normalized.slice(at + 1)}`;
}

export interface ThreadIds {
  inReplyTo: string | null;
  references: string[];
}

/**
 * In-Reply-To and References for a reply (RFC 5322 §3.6.4): References is the thread's ids
 * followed by the message answered. Invalid ids are dropped, duplicates and our own id removed.
 * Past REFERENCES_WRITTEN_LIMIT the first id (the thread root, which some clients thread on) and the newest
 * ones are kept.
 */
export function threadIds(
  references: readonly string[] | undefined,
  inReplyTo: string | null | undefined,
  ownMessageId: string,
  max = REFERENCES_WRITTEN_LIMIT,
): ThreadIds {
  const parent = inReplyTo ? bareMessageId(inReplyTo) : null;
  const seen = new Set<string>([ownMessageId]);
  if (parent !== null) seen.add(parent);
  const ids: string[] = [];
  for (const raw of references ?? []) {
    const id = bareMessageId(raw);
    if (id === null || seen.has(id)) continue;
    seen.add(id);
    ids.push(id);
  }
  if (parent !== null && parent !== ownMessageId) ids.push(parent);
  const bounded =
    ids.length > max && max >= 2 ? [ids[0] as string, ...ids.slice(-(max - 1))] : ids.slice(-max);
  return { inReplyTo: parent === ownMessageId ? null : parent, references: bounded };
}
