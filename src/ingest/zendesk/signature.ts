import { createHmac } from 'node:crypto';
import { safeEqual } from '../../auth/secrets.js';

export type ZendeskSignatureResult =
  | { ok: true; keyIndex: number; timestamp: string }
  | { ok: false; reason: 'missing' | 'stale' | 'bad_signature' };

/** base64(HMAC-SHA256(secret, timestamp + rawBody)) — Zendesk's webhook signing scheme. */
export function signZendesk(secret: string, timestamp: string, rawBody: Buffer | string): string {
  return createHmac('sha256', secret).update(timestamp).update(rawBody).digest('base64');
}

/**
 * Verifies against every active secret (rotation keeps two), in constant time per comparison, on
 * the raw bytes exactly as received. Timestamps outside the window either way are refused.
 */
export function verifyZendeskSignature(input: {
  secrets: string[];
  signature: string | undefined;
  timestamp: string | undefined;
  rawBody: Buffer;
  now: Date;
  maxAgeSeconds: number;
}): ZendeskSignatureResult {
  const { signature, timestamp } = input;
  if (!signature || !timestamp || input.secrets.length === 0)
    return { ok: false, reason: 'missing' };
  const ts = Date.parse(timestamp);
  if (!Number.isFinite(ts)) return { ok: false, reason: 'stale' };
  if (Math.abs(input.now.getTime() - ts) > input.maxAgeSeconds * 1000) {
    return { ok: false, reason: 'stale' };
  }
  let matched = -1;
  // Compare against every secret (no early exit) so timing does not reveal which one matched.
  input.secrets.forEach((secret, i) => {
    if (safeEqual(signZendesk(secret, timestamp, input.rawBody), signature) && matched < 0)
      matched = i;
  });
  return matched >= 0
    ? { ok: true, keyIndex: matched, timestamp }
    : { ok: false, reason: 'bad_signature' };
}
