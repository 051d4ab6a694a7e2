import { describe, expect, it } from 'vitest';
import {
  domainOf,
  isValidMessageId,
  newMessageId,
  replyAddress,
  threadIds,
} from '../../src/mail/index.js';
import { extractPlusToken } from '../../src/mail/plus-token.js';

describe('newMessageId', () => {
  it('is a bare id at our domain, unique per call', () => {
    const ids = new Set(Array.from({ length: 1000 }, () => newMessageId('acme.test')));
    expect(ids.size).toBe(1000);
    for (const id of ids) {
      expect(id).toMatch(/^[a-z0-9]+\.[A-Za-z0-9_-]{16}@acme\.test$/);
      expect(isValidMessageId(id)).toBe(true);
    }
  });

  it('puts an internationalised domain in ASCII form', () => {
    expect(newMessageId('Bücher.example')).toMatch(/@xn--bcher-kva\.example$/);
  });

  it.each(['', 'acme.test\r\nBcc: x', 'a b.test', 'acme.test>'])('refuses domain %j', (domain) => {
    expect(() => newMessageId(domain)).toThrow(TypeError);
  });
});

describe('replyAddress', () => {
  it('adds the ticket token to the support mailbox', () => {
    expect(replyAddress('support@acme.test', 'tkt_4411-a')).toBe('support+tkt_4411-a@acme.test');
  });

  it('replaces an existing +tag and lowercases the domain', () => {
    expect(replyAddress('Help+inbox@ACME.test', 'T1')).toBe('Help+T1@acme.test');
  });

  it('round-trips through intake: extractPlusToken finds the same token', () => {
    const address = replyAddress('support@acme.test', 'Ab_9-z');
    expect(extractPlusToken([address], 'support@acme.test')).toBe('Ab_9-z');
  });

  it.each(['', 'a b', 'x\r\nBcc: y', 'x@y', 'a'.repeat(65), 'tök'])('refuses token %j', (token) => {
    expect(() => replyAddress('support@acme.test', token)).toThrow(TypeError);
  });

  it('refuses an invalid support address', () => {
    expect(() => replyAddress('support', 't')).toThrow(TypeError);
    expect(() => replyAddress('+x@acme.test', 't')).toThrow(TypeError);
  });
});

describe('domainOf', () => {
  it('returns the lowercased ASCII domain', () => {
    expect(domainOf('Support@Acme.TEST')).toBe('acme.test');
    expect(domainOf('hilfe@bücher.example')).toBe('xn--bcher-kva.example');
  });
});

describe('threadIds', () => {
  const own = 'own.1@acme.test';

  it('References = thread ids then the parent; In-Reply-To = the parent', () => {
    expect(threadIds(['a@x', 'b@x'], 'c@x', own)).toEqual({
      inReplyTo: 'c@x',
      references: ['a@x', 'b@x', 'c@x'],
    });
  });

  it('accepts bracketed ids, drops duplicates, invalid ids and our own id', () => {
    expect(threadIds(['<a@x>', 'a@x', 'bad id@x', own, 'no-at', '<c@x>'], '<c@x>', own)).toEqual({
      inReplyTo: 'c@x',
      references: ['a@x', 'c@x'],
    });
  });

  it('no parent, no thread: nothing', () => {
    expect(threadIds(undefined, null, own)).toEqual({ inReplyTo: null, references: [] });
  });

  it('a thread without a (valid) parent keeps its references', () => {
    expect(threadIds(['a@x'], 'broken\r\n@x', own)).toEqual({
      inReplyTo: null,
      references: ['a@x'],
    });
  });

  it('bounds the list, keeping the root and the newest ids', () => {
    const thread = Array.from({ length: 50 }, (_, i) => `m${i}@x`);
    const { references } = threadIds(thread, 'parent@x', own);
    expect(references).toHaveLength(20);
    expect(references[0]).toBe('m0@x');
    expect(references.slice(1, 3)).toEqual(['m32@x', 'm33@x']);
    expect(references.at(-1)).toBe('parent@x');
  });
});
