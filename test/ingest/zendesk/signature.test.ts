import { describe, expect, it } from 'vitest';
import { signZendesk, verifyZendeskSignature } from '../../../src/ingest/zendesk/signature.js';

// Vector computed independently: printf '%s' "2026-11-20T10:00:00Z{\"a\":1}" | openssl dgst -sha256 -hmac secret -binary | base64
const VECTOR = { secret: 'secret', timestamp: '2026-11-20T10:00:00Z', body: '{"a":1}' };

describe('Zendesk signature', () => {
  const now = new Date('2026-11-20T10:01:00Z');
  const verify = (
    signature: string,
    over: Partial<{ secrets: string[]; timestamp: string; body: string; now: Date }> = {},
  ) =>
    verifyZendeskSignature({
      secrets: over.secrets ?? [VECTOR.secret],
      signature,
      timestamp: over.timestamp ?? VECTOR.timestamp,
      rawBody: Buffer.from(over.body ?? VECTOR.body),
      now: over.now ?? now,
      maxAgeSeconds: 300,
    });

  it('matches an independently computed HMAC', async () => {
    const { execFileSync } = await import('node:child_process');
    const expected = execFileSync('sh', [
      '-c',
      `printf '%s' '${VECTOR.timestamp}${VECTOR.body}' | openssl dgst -sha256 -hmac ${VECTOR.secret} -binary | base64`,
    ])
      .toString()
      .trim();
    expect(signZendesk(VECTOR.secret, VECTOR.timestamp, VECTOR.body)).toBe(expected);
    expect(verify(expected)).toEqual({ ok: true, keyIndex: 0, timestamp: VECTOR.timestamp });
  });

  it('reports which rotated secret matched', () => {
    const sig = signZendesk('old', VECTOR.timestamp, VECTOR.body);
    expect(verify(sig, { secrets: ['new', 'old'] })).toMatchObject({ ok: true, keyIndex: 1 });
  });

  it('rejects tampering, wrong secrets, staleness and absence', () => {
    const sig = signZendesk(VECTOR.secret, VECTOR.timestamp, VECTOR.body);
    expect(verify(sig, { body: '{"a":2}' })).toEqual({ ok: false, reason: 'bad_signature' });
    expect(verify(sig, { secrets: ['other'] })).toEqual({ ok: false, reason: 'bad_signature' });
    expect(verify(sig, { now: new Date('2026-11-20T10:06:00Z') })).toEqual({
      ok: false,
      reason: 'stale',
    });
    expect(verify(sig, { timestamp: 'yesterday' })).toEqual({ ok: false, reason: 'stale' });
    expect(verify('', {})).toEqual({ ok: false, reason: 'missing' });
    expect(verify(sig, { secrets: [] })).toEqual({ ok: false, reason: 'missing' });
  });
});
