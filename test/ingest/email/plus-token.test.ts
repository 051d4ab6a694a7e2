import { describe, expect, it } from 'vitest';
import { normalizeMessageId, parseMessageIdList } from '../../../src/ingest/email/message-id.js';
import { extractPlusToken } from '../../../src/mail/plus-token.js';

describe('extractPlusToken', () => {
  it.each([
    [['support+abc123@acme.example'], 'support@acme.example', 'abc123'],
    [['Support+T_9-x@ACME.example'], 'support@acme.example', 'T_9-x'],
    [['"Acme" <support+k7@acme.example>'], 'support@acme.example', 'k7'],
    [['ana+shop@gmail.com', 'support+k7@acme.example'], 'support@acme.example', 'k7'],
    [['ana+shop@gmail.com'], 'support@acme.example', null],
    [['support+k7@other.example'], 'support@acme.example', null],
    [['help+k7@acme.example'], 'support@acme.example', null],
    [['support@acme.example'], 'support@acme.example', null],
    [['support+@acme.example'], 'support@acme.example', null],
    [['support+bad token@acme.example'], 'support@acme.example', null],
    [['support+dot.ted@acme.example'], 'support@acme.example', null],
    [[`support+${'a'.repeat(65)}@acme.example`], 'support@acme.example', null],
    [[`support+${'a'.repeat(64)}@acme.example`], 'support@acme.example', 'a'.repeat(64)],
    [['tickets+x1@acme.example'], undefined, 'x1'],
    [['not-an-address', '+x@', '@+x'], undefined, null],
    [[], undefined, null],
  ])('%j with %s → %s', (addresses, support, token) => {
    expect(extractPlusToken(addresses, support)).toBe(token);
  });
});

describe('message ids', () => {
  it.each([
    ['<abc@example.com>', 'abc@example.com'],
    ['  <abc@example.com> (comment)', 'abc@example.com'],
    ['<1234   @   local(blah)  .machine .example>', '1234@local.machine.example'],
    ['abc@example.com', 'abc@example.com'],
    ['<CaseKept@Example.COM>', 'CaseKept@Example.COM'],
    ['bare-id-without-at', 'bare-id-without-at'],
    ['', null],
    ['<>', null],
    [null, null],
  ])('normalizeMessageId(%j) → %j', (value, expected) => {
    expect(normalizeMessageId(value)).toBe(expected);
  });

  it('lists references in order without duplicates and keeps the newest 100', () => {
    expect(parseMessageIdList('<a@x> <b@x>,<a@x>\r\n <c@x>')).toEqual(['a@x', 'b@x', 'c@x']);
    expect(parseMessageIdList('a@x b@x junk')).toEqual(['a@x', 'b@x']);
    const many = Array.from({ length: 150 }, (_, i) => `<m${i}@x>`).join(' ');
    const ids = parseMessageIdList(many);
    expect(ids).toHaveLength(100);
    expect(ids.at(-1)).toBe('m149@x');
  });

  it('keeps an id over 998 bytes as a digest, the same wherever it is quoted (issue 19)', () => {
    const wide = `${'丁'.repeat(400)}@x`;
    const id = normalizeMessageId(`<${wide}>`);
    expect(id).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(parseMessageIdList(`<a@x> <${wide}>`)).toEqual(['a@x', id]);
    expect(normalizeMessageId(`<${'a'.repeat(996)}@x>`)).toBe(`${'a'.repeat(996)}@x`);
  });
});
