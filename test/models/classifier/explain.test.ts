import { describe, expect, it } from 'vitest';
import { TrainedClassifier, trainClassifier } from '../../../src/models/classifier/index.js';
import { loadClincSubset } from './fixtures.js';

describe('explanations', () => {
  const { train } = loadClincSubset(10);
  const classifier = trainClassifier(train);

  it("names the text's words that pushed the model to its answer, strongest first", () => {
    const text = 'how long will my account be frozen after the fraud report';
    const { label } = classifier.predict(text);
    const terms = classifier.explain(text, label, 5);
    expect(terms.length).toBeGreaterThan(0);
    expect(terms.length).toBeLessThanOrEqual(5);
    const weights = terms.map((t) => t.weight);
    expect(weights).toEqual([...weights].sort((a, b) => b - a));
    expect(weights.every((w) => w > 0)).toBe(true);
    // Every term is made of the text's own words (n-grams, or "a … b" for a skip pair).
    const words = new Set(text.split(' '));
    for (const { term } of terms) {
      for (const word of term.split(/ … | /)) expect(words).toContain(word);
    }
  });

  it('explains after a JSON round trip, and knows nothing about a label it was not trained on', () => {
    const text = 'please freeze my account';
    const copy = TrainedClassifier.fromJSON(JSON.stringify(classifier));
    const { label } = classifier.predict(text);
    expect(copy.explain(text, label)).toEqual(classifier.explain(text, label));
    expect(classifier.explain(text, 'no-such-label')).toEqual([]);
  });

  it('never gives a function word alone as a reason ("my", "the", "to", "le")', () => {
    const stop = new Set([
      'my',
      'the',
      'to',
      'a',
      'i',
      'is',
      'of',
      'for',
      'how',
      'do',
      'can',
      'me',
    ]);
    let seen = 0;
    for (const { text } of train.slice(0, 200)) {
      const { label } = classifier.predict(text);
      for (const { term } of classifier.explain(text, label, 5)) {
        seen++;
        expect(
          term.split(/ … | /).every((w) => stop.has(w)),
          term,
        ).toBe(false);
      }
    }
    expect(seen).toBeGreaterThan(200);
  });
});
