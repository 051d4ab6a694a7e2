import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { safeNext } from '../../src/http/ui/session.js';
import { stripQuotedReply } from '../../src/ingest/email/reply-strip.js';
import { webUrl } from '../../src/kb/url.js';
import { neverSendReason, recipientKey, shouldNeverSendTo } from '../../src/mail/loop.js';
import { MAX_REDACT_CHARS, redactPII } from '../../src/privacy/redact.js';

/**
 * Properties of the functions that see customer text: they never throw, their output is bounded,
 * and they are idempotent where they should be. Inputs mix random text with the shapes that
 * matter (quotes, attributions, addresses, digit runs, long runs of one character).
 */
const shapes = fc.oneof(
  fc.string({ maxLength: 400 }),
  fc.string({ unit: 'grapheme', maxLength: 200 }),
  fc.constantFrom(
    '> quoted line',
    'On Mon, 2 Nov 2026, Ana <ana@example.org> wrote:',
    'From: a@b.c\nSent: today\nSubject: x',
    '-----Original Message-----',
    '4111 1111 1111 1111',
    '+44 20 7946 0958',
    'DE89 3704 0044 0532 0130 00',
    `${' '.repeat(5_000)}x`,
    `${'>'.repeat(3_000)} deep`,
    '[EMAIL_1] and [PHONE_2]',
  ),
);
const text = fc.array(shapes, { maxLength: 30 }).map((parts) => parts.join('\n'));

describe('reply stripping', () => {
  it('never throws, returns at most the capped input, and never grows the text', () => {
    fc.assert(
      fc.property(text, (input) => {
        const out = stripQuotedReply(input);
        expect(typeof out).toBe('string');
        expect(out.length).toBeLessThanOrEqual(Math.max(32_000, 0));
        expect(out.length).toBeLessThanOrEqual(input.replace(/\r\n?/g, '\n').length);
      }),
      { numRuns: 300 },
    );
  });
});

describe('PII redaction', () => {
  it('never throws, is bounded and idempotent', () => {
    fc.assert(
      fc.property(text, (input) => {
        const once = redactPII(input).text;
        expect(once.length).toBeLessThanOrEqual(MAX_REDACT_CHARS * 2);
        expect(redactPII(once).text).toBe(once);
      }),
      { numRuns: 300 },
    );
  });

  it('a text past the cap is cut, never passed on unredacted', () => {
    const long = `${'word '.repeat(MAX_REDACT_CHARS / 5)}card 4111 1111 1111 1111`;
    const out = redactPII(long).text;
    expect(out).not.toContain('4111');
    expect(out.length).toBeLessThanOrEqual(MAX_REDACT_CHARS);
  });
});

describe('loop guard', () => {
  const address = fc.oneof(
    fc.emailAddress(),
    fc.string({ maxLength: 100 }),
    fc.constantFrom('MAILER-DAEMON@example.org', 'support+tkt_1@deskpilot.test', 'noreply@x.y'),
  );
  it('never throws; our own addresses and their +tags are always refused', () => {
    fc.assert(
      // Our own mailbox's local part never starts with '+' (that is where a tag begins).
      fc.property(
        address,
        fc.emailAddress().filter((a) => !a.startsWith('+')),
        (candidate, own) => {
          neverSendReason(candidate, [own]);
          expect(shouldNeverSendTo(own, [own])).toBe(true);
          const key = recipientKey(own);
          if (key) {
            const at = own.lastIndexOf('@');
            expect(shouldNeverSendTo(`${own.slice(0, at)}+x${own.slice(at)}`, [own])).toBe(true);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('URL guards', () => {
  it('safeNext always stays on the site; webUrl only yields http(s)', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string(), fc.webUrl(), fc.constantFrom('/\t/x', '//x', '/\\x')),
        (value) => {
          const next = safeNext(value, 'https://support.example.com');
          expect(new URL(next, 'https://support.example.com').origin).toBe(
            'https://support.example.com',
          );
          const url = webUrl(value);
          if (url) expect(url).toMatch(/^https?:\/\//);
        },
      ),
      { numRuns: 500 },
    );
  });
});
