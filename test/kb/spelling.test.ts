import { describe, expect, it } from 'vitest';
import { englishWords, KbSpelling, spellingFor } from '../../src/kb/spelling.js';
import { WordNet } from '../../src/kb/synonyms.js';

// The KB's English words with how many chunks use each; `known` adds a German article's words.
const kb = new KbSpelling(
  new Map([
    ['account', 40],
    ['invoice', 12],
    ['refund', 9],
    ['send', 5],
    ['sand', 5],
    ['card', 7],
    ['cart', 3],
    ['line', 4],
  ]),
  new Set(['account', 'invoice', 'refund', 'send', 'sand', 'card', 'cart', 'line', 'eine']),
);
const english = englishWords(new WordNet());

describe('KbSpelling', () => {
  it('corrects a word one edit from a KB word: deletion, insertion, substitution, transposition', () => {
    expect(kb.suggest('acount', english)).toBe('account');
    expect(kb.suggest('invoicee', english)).toBe('invoice');
    expect(kb.suggest('invoixe', english)).toBe('invoice');
    expect(kb.suggest('rfeund', english)).toBe('refund');
    expect(kb.correct('How do I get a rfeund for my acount #123?', english)).toBe(
      'How do I get a refund for my account #123?',
    );
  });

  it('leaves KB words, English words the KB lacks and short words alone', () => {
    expect(kb.suggest('account', english)).toBeNull();
    // One edit from "card", but English (irregular forms and function words included).
    expect(kb.suggest('hard', english)).toBeNull();
    expect(kb.suggest('cards', english)).toBeNull();
    expect(kb.suggest('came', english)).toBeNull();
    // A word of the KB in another language is no misspelling of an English one.
    expect(kb.suggest('eine', english)).toBeNull();
    expect(kb.suggest('crd', english)).toBeNull();
    expect(kb.correct('Ich habe eine Frage', english)).toBe('Ich habe eine Frage');
  });

  it('prefers the more frequent KB word and skips a tie', () => {
    // "carx" is one edit from "card" (7 chunks) and "cart" (3).
    expect(kb.suggest('carx', english)).toBe('card');
    // "snd" is too short; "sxnd" is one edit from "send" and "sand", both in 5 chunks.
    expect(kb.suggest('sxnd', english)).toBeNull();
  });

  it('leaves names and codes as written: internal capitals, all capitals, digits, identifiers', () => {
    // Each would be one edit from a KB word if read in lower case.
    const names = new KbSpelling(
      new Map([
        ['phone', 30],
        ['account', 40],
        ['card', 7],
        ['cards', 3],
      ]),
    );
    expect(names.suggest('iphone', english)).toBe('phone');
    expect(names.correct('My iPhone and my PayPal acount', english)).toBe(
      'My iPhone and my PayPal account',
    );
    expect(names.correct('Error ACOUNT_LOCKED on card7 and carx2', english)).toBe(
      'Error ACOUNT_LOCKED on card7 and carx2',
    );
    expect(names.correct('see acount.html, user_acount, /acount/ and ACOUNT', english)).toBe(
      'see acount.html, user_acount, /acount/ and ACOUNT',
    );
    // Punctuation around a word is no sign of a code; a capital at the start is a sentence's.
    expect(names.correct('"Acount" (acount), acount\'s card?', english)).toBe(
      '"account" (account), account\'s card?',
    );
  });
});

describe('spellingFor', () => {
  it('is off with KB_SPELLING=off, WordNet otherwise', () => {
    expect(spellingFor('off')).toBeNull();
    const on = spellingFor('on');
    expect(on?.has('hard')).toBe(true);
    expect(on?.has('acount')).toBe(false);
  });
});
