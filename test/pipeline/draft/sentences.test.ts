import { describe, expect, it } from 'vitest';
import type { Passage } from '../../../src/kb/search.js';
import { cutQuotes } from '../../../src/pipeline/draft/evaluate.js';
import { composeExtractive } from '../../../src/pipeline/draft/extractive.js';
import {
  articleUnits,
  countWords,
  isChatter,
  selectUnits,
} from '../../../src/pipeline/draft/sentences.js';

const article = [
  'Hi everyone,',
  'If you forgot your password, you can set a new one from the sign-in page. It takes a minute.',
  'To reset it:',
  '- Open the sign-in page and click Forgot password.',
  '- Enter the email address of your account.',
  '- Follow the link in the email we send you.',
  'The link expires after one hour. If no email arrives, check your spam folder.',
  'Thanks, this worked for me!',
  '+1',
  'EDIT: fixed a typo',
  '> On Monday Sam wrote: did you try turning it off?',
  'Best regards,',
].join('\n');

const passage = (over: Partial<Passage> = {}): Passage => ({
  chunkId: 'c1',
  articleId: 'a1',
  externalId: 'reset',
  title: 'Reset your password',
  url: 'https://help.example.com/reset',
  section: '',
  text: article,
  tags: [],
  language: 'en',
  score: 1,
  scores: { lexical: 5, vector: 0.5, lexicalRank: 1, vectorRank: 1 },
  ...over,
});

describe('articleUnits', () => {
  it('strips forum chatter: greetings, thanks, +1, EDIT:, quoted replies, sign-offs', () => {
    const texts = articleUnits([{ text: article }]).map((u) => u.text);
    const all = texts.join('\n');
    for (const chatter of [
      'Hi everyone',
      'Thanks, this worked',
      '+1',
      'EDIT:',
      'Sam wrote',
      'Best regards',
    ]) {
      expect(all).not.toContain(chatter);
    }
    expect(all).toContain('The link expires after one hour.');
    for (const line of [
      'Thanks so much, that helped!',
      'Same here',
      'UPDATE: works now',
      'Any update?',
      'Best regards, IT Services Support Team',
      'Gracias por su paciencia, Equipo de Soporte',
      'Customer Support Team IT Services',
      'Mit besten Grüßen,',
      // Mail headers and template signatures pasted into agents' answers (the ticket-answers KB).
      'Subject: Re: Inquiry Regarding Enhancement of Server Administration Techniques',
      'Assunto: Re: Assistência Necessária: Problema de Configuração Sem Fio',
      '[Your Name] Customer Support Team IT Consulting Firm',
      '[Your Name] Suporte ao Cliente da Tech Online Store',
      '<name> Kundenservice',
    ])
      expect(isChatter(line)).toBe(true);
    expect(isChatter('[Beta] The new export runs nightly.')).toBe(false);
    expect(isChatter('Refunds take five business days.')).toBe(false);
    expect(isChatter('Apple Pay', { listItem: true })).toBe(false);
  });

  it('keeps a list together with the line that introduces it', () => {
    const list = articleUnits([{ text: article }]).find((u) => u.kind === 'list');
    expect(list?.leadIn).toBe('To reset it:');
    expect(list?.items).toHaveLength(3);
    expect(list?.text.split('\n')[0]).toBe('To reset it:');
  });

  it('drops the overlap line a chunk repeats from its predecessor', () => {
    const units = articleUnits([
      { text: 'First sentence here. Second sentence here.' },
      { text: '… Second sentence here.\nThird sentence here.' },
    ]);
    expect(units.map((u) => u.text)).toEqual([
      'First sentence here.',
      'Second sentence here.',
      'Third sentence here.',
    ]);
  });
});

describe('selectUnits and composeExtractive', () => {
  it('answers with whole sentences in the article order, each cited, within the word budget', () => {
    const units = articleUnits([{ text: article }]);
    const draft = composeExtractive({
      query: 'I forgot my password, the reset email never arrives',
      articles: [{ passage: passage(), units, confidence: 0.9 }],
      language: 'en',
      customerName: 'Robin Example',
      signature: 'ACME Support',
      maxWords: 40,
    });
    expect(draft.kind).toBe('extractive');
    expect(draft.text.startsWith('Hi Robin,')).toBe(true);
    expect(draft.text).toContain(
      'Full article:\n[1] Reset your password: https://help.example.com/reset',
    );
    expect(draft.text.trim().endsWith('ACME Support')).toBe(true);
    const quotedWords = draft.quoted.reduce((n, q) => n + countWords(q), 0);
    expect(quotedWords).toBeLessThanOrEqual(40);
    // No cut sentence: every quoted unit ends where its source sentence or line ends.
    expect(cutQuotes(draft.text, new Map([[1, article]]))).toEqual([]);
    const positions = draft.quoted.map((q) =>
      article.indexOf(q.split('\n').at(-1)!.replace(/^- /, '')),
    );
    expect(positions.every((p) => p >= 0)).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
  });

  it('never cuts a sentence to fit: a long list is shortened at an item boundary', () => {
    const units = articleUnits([{ text: article }]);
    const chosen = selectUnits(units, 'reset password sign-in page email account link', {
      maxWords: 25,
    });
    const words = chosen.reduce((n, u) => n + u.words, 0);
    expect(words).toBeLessThanOrEqual(25);
    for (const u of chosen) {
      const last = u.text.split('\n').at(-1)!;
      expect(/[.!?:]$/.test(last)).toBe(true);
    }
  });

  it('flags a quote that stops in the middle of its sentence', () => {
    const source = 'Refunds take five to ten business days to appear on your statement.';
    expect(
      cutQuotes('Refunds take five to ten business days [1]', new Map([[1, source]])),
    ).toHaveLength(1);
    expect(cutQuotes(`${source} [1]`, new Map([[1, source]]))).toEqual([]);
    expect(cutQuotes('Refunds take five …[1]', new Map([[1, source]]))).toHaveLength(1);
  });
});
