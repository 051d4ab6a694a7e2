import { describe, expect, it } from 'vitest';
import {
  checkDailyCap,
  dayStartUtc,
  neverSendReason,
  recipientKey,
  shouldNeverSendTo,
} from '../../src/mail/index.js';

const OWN = ['support@acme.test', 'help@acme.test'];

describe('shouldNeverSendTo', () => {
  it.each([
    'MAILER-DAEMON@mx.example.com',
    'mailer-daemon@example.com',
    'postmaster@example.com',
    'noreply@example.com',
    'no-reply@example.com',
    'no_reply@example.com',
    'donotreply@example.com',
    'do-not-reply@example.com',
    'do_not_reply@example.com',
    'DoNotReply@example.com',
    'mail-noreply@google.com',
    'noreply.billing@example.com',
    'bounces+12345@mail.example.com',
    'bounce@example.com',
    'owner-announce@lists.example.com',
    'announce-request@lists.example.com',
    'listserv@example.edu',
    'majordomo@example.org',
  ])('refuses the role address %s', (address) => {
    expect(neverSendReason(address, OWN)).toBe('role-address');
    expect(shouldNeverSendTo(address, OWN)).toBe(true);
  });

  it.each(['support@acme.test', 'SUPPORT@ACME.TEST', 'support+tkt_1@acme.test', 'help@acme.test'])(
    'refuses our own address %s',
    (address) => {
      expect(neverSendReason(address, OWN)).toBe('own-address');
    },
  );

  it.each(['', 'not an address', 'a@b', 'bob@example.com\r\nBcc: x@y.test'])(
    'refuses the invalid address %j',
    (address) => {
      expect(neverSendReason(address, OWN)).toBe('invalid-address');
    },
  );

  it.each([
    'bob@example.com',
    'noreen@example.com',
    'replyguy@example.com',
    'support@customer.example',
    'colleague@acme.test',
    'jürgen@example.de'.replace('ü', 'u'),
    "o'brien@example.ie",
  ])('allows a person: %s', (address) => {
    expect(shouldNeverSendTo(address, OWN)).toBe(false);
  });
});

describe('recipientKey', () => {
  it('folds case and +tags so aliases share one daily count', () => {
    expect(recipientKey('Bob+Shop@Example.COM')).toBe('bob@example.com');
    expect(recipientKey('bob@example.com')).toBe('bob@example.com');
    expect(recipientKey('nope')).toBeNull();
  });
});

describe('checkDailyCap', () => {
  it('allows until the cap is reached', () => {
    expect(checkDailyCap(0, 3)).toEqual({ allowed: true, remaining: 2 });
    expect(checkDailyCap(2, 3)).toEqual({ allowed: true, remaining: 0 });
    expect(checkDailyCap(3, 3)).toEqual({ allowed: false, remaining: 0 });
    expect(checkDailyCap(10, 3)).toEqual({ allowed: false, remaining: 0 });
  });

  it('a cap of 0 allows nothing; Infinity allows everything', () => {
    expect(checkDailyCap(0, 0).allowed).toBe(false);
    expect(checkDailyCap(1e6, Number.POSITIVE_INFINITY).allowed).toBe(true);
  });

  it('refuses nonsense counts', () => {
    expect(() => checkDailyCap(-1, 3)).toThrow(RangeError);
    expect(() => checkDailyCap(Number.NaN, 3)).toThrow(RangeError);
    expect(() => checkDailyCap(0, -1)).toThrow(RangeError);
  });

  it('counts from the start of the UTC day', () => {
    expect(dayStartUtc(new Date('2026-03-29T23:59:59.999Z')).toISOString()).toBe(
      '2026-03-29T00:00:00.000Z',
    );
  });
});
