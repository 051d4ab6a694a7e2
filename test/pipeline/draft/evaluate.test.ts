import { describe, expect, it } from 'vitest';
import {
  type DraftEvalRow,
  draftEvalReport,
  expectedGreetingLanguage,
  scoreDraftEval,
} from '../../../src/pipeline/draft/evaluate.js';

function row(over: Partial<DraftEvalRow>): DraftEvalRow {
  return {
    query: 'q',
    relevant: ['a'],
    expectedLanguage: 'en',
    reference: null,
    outcome: 'answered',
    text: 'Hi,\nbody [1]\nBest regards,',
    cited: ['a'],
    confidence: 0.9,
    reason: null,
    words: 10,
    fragments: [],
    greetingLanguage: 'en',
    fallback: false,
    ms: 10,
    ...over,
  };
}

describe("eval:drafts' wrongLanguageRate (#20: the ticket's language field, else the KB's when the ticket is in it)", () => {
  it('expects the language field, normalised, whatever the text looks like', async () => {
    expect(
      await expectedGreetingLanguage({ query: 'Urgent DNS issue', language: 'de-DE' }, 'en'),
    ).toBe('de');
  });

  it("expects the KB's language of a ticket without the field, unless it is clearly in another", async () => {
    expect(
      await expectedGreetingLanguage({ query: 'How do I reset my password please?' }, 'en'),
    ).toBe('en');
    // Too short to tell: still expected in the KB's language (unsure is no excuse).
    expect(await expectedGreetingLanguage({ query: 'refund?' }, 'en')).toBe('en');
    expect(
      await expectedGreetingLanguage(
        { query: 'Ich habe mein Passwort vergessen und kann mich nicht mehr anmelden.' },
        'en',
      ),
    ).toBeNull();
    expect(
      await expectedGreetingLanguage(
        { query: 'Ich habe mein Passwort vergessen und kann mich nicht mehr anmelden.' },
        'de',
      ),
    ).toBe('de');
  });

  it('counts every draft, abstentions included, and leaves out only tickets with no expected language', () => {
    const rows = [
      row({}),
      row({ greetingLanguage: 'fr' }),
      row({ relevant: [], outcome: 'abstained', cited: [], greetingLanguage: 'de' }),
      row({ expectedLanguage: null, greetingLanguage: 'de' }),
      row({ outcome: 'skipped', greetingLanguage: null }),
    ];
    expect(scoreDraftEval(rows, 'extractive').wrongLanguageRate).toBe(0.6667);
    const html = draftEvalReport(scoreDraftEval(rows, 'extractive'), rows);
    expect(html.match(/WRONG LANGUAGE/g)).toHaveLength(2);
    expect(html).toContain('language not counted');
  });

  it('reports llmFallbackRate only with a generator: drafts that fell back to the extractive one', () => {
    const rows = [
      row({ fallback: true }),
      row({}),
      row({ relevant: [], outcome: 'abstained', cited: [] }),
      row({ fallback: true, outcome: 'skipped' }),
    ];
    expect(scoreDraftEval(rows, 'stories260K').llmFallbackRate).toBe(0.3333);
    expect(scoreDraftEval(rows, 'extractive')).not.toHaveProperty('llmFallbackRate');
  });
});
