import { createHash } from 'node:crypto';
import { REFERENCES_READ_LIMIT } from '../../mail/threading.js';

// Threading compares ids from four channels (raw MIME, Mailgun, SendGrid, Postmark) and from our
// own outbound mail, so every id goes through one normalisation: no angle brackets, no RFC 5322
// comments, no whitespace (obsolete syntax allows CFWS inside), case kept (the local part is
// case-sensitive).
//
// An id is at most 998 bytes (RFC 5322's line limit). A longer one is kept as a digest of itself,
// so it still matches itself (a redelivery, a reply quoting it) but never reaches an index whole:
// ids are indexed (messages, and inside the inbox's dedupe key), and Postgres refuses a btree
// entry over 2,704 bytes, so 990 three-byte characters made intake answer 500.
const MAX_ID_BYTES = 998;

function normalizeToken(token: string): string | null {
  const id = token.replace(/\([^()]*\)/g, '').replace(/[\s<>]+/g, '');
  if (id.length === 0) return null;
  if (Buffer.byteLength(id, 'utf8') <= MAX_ID_BYTES) return id;
  return `sha256:${createHash('sha256').update(id).digest('hex')}`;
}

/** All ids in a Message-ID / In-Reply-To / References value, in order, de-duplicated. */
export function parseMessageIdList(value: string | null | undefined): string[] {
  if (!value) return [];
  const bracketed = value.match(/<[^<>]*>/g);
  // Some senders omit the brackets; then any whitespace-separated token with an @ is taken.
  const tokens = bracketed ?? value.split(/[\s,]+/).filter((token) => token.includes('@'));
  const ids = new Set<string>();
  for (const token of tokens) {
    const id = normalizeToken(token);
    if (id !== null) ids.add(id);
  }
  const list = [...ids];
  // A References header carries the whole thread; the newest entries are what threading needs.
  return list.length > REFERENCES_READ_LIMIT ? list.slice(-REFERENCES_READ_LIMIT) : list;
}

export function normalizeMessageId(value: string | null | undefined): string | null {
  if (!value) return null;
  const [first] = parseMessageIdList(value);
  if (first !== undefined) return first;
  // A bare id without brackets or @ is still the sender's id; keep it rather than lose threading.
  return normalizeToken(value);
}
