import { describe, expect, it } from 'vitest';
import { spellingFor } from '../../src/kb/spelling.js';
import { querySpelling } from '../../src/pipeline/query-spelling.js';

const on = { KB_SPELLING: 'on' } as const;

describe('querySpelling', () => {
  it('corrects English questions, and short ones too unclear to read', async () => {
    const dictionary = spellingFor('on');
    expect(await querySpelling(on, 'How do I get a refnud for my purchse?')).toBe(dictionary);
    expect(await querySpelling(on, 'acount locked')).toBe(dictionary);
    expect(await querySpelling(on, 'How do I get a refnud?', 'en')).toBe(dictionary);
  });

  it('searches text in another language as written, whatever languages the KB has', async () => {
    // "geht" is one edit from "get", "hace" from "have": no misspellings of either.
    expect(await querySpelling(on, 'Das Passwort zurücksetzen geht nicht, was kann ich tun?')).toBe(
      null,
    );
    expect(await querySpelling(on, '¿Qué hace el servidor cuando la factura no llega?')).toBe(null);
    // The ticket's reply language decides first: a German ticket is not corrected.
    expect(await querySpelling(on, 'How do I get a refnud?', 'de')).toBe(null);
  });

  it('is off with KB_SPELLING=off', async () => {
    expect(await querySpelling({ KB_SPELLING: 'off' }, 'How do I get a refnud?')).toBe(null);
  });
});
