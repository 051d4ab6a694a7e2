import { describe, expect, it } from 'vitest';
import {
  Classifier,
  evaluate,
  predictTexts,
  trainClassifier,
  trainClassifierWithEmbedder,
} from '../../../src/models/classifier/index.js';
import type { Embedder } from '../../../src/models/embedder/types.js';

const tickets = [
  { text: 'I was charged twice for my subscription this month', label: 'billing' },
  { text: 'Refund the duplicate charge on my credit card please', label: 'billing' },
  { text: 'My invoice shows the wrong amount', label: 'billing' },
  { text: 'Why is there an extra fee on my bill?', label: 'billing' },
  { text: 'Payment failed but money left my account', label: 'billing' },
  { text: 'Cannot log in, password reset email never arrives', label: 'account' },
  { text: 'Please delete my account and all my data', label: 'account' },
  { text: 'How do I change the email address on my account?', label: 'account' },
  { text: 'Two-factor code is not accepted when I sign in', label: 'account' },
  { text: 'My username was changed without my permission', label: 'account' },
  { text: 'The app crashes when I open the settings page', label: 'bug' },
  { text: 'Export to CSV produces an empty file', label: 'bug' },
  { text: 'Error 500 when saving a draft', label: 'bug' },
  { text: 'The dashboard chart does not load in Firefox', label: 'bug' },
  { text: 'Search returns nothing even for exact titles', label: 'bug' },
];

/** Deterministic stand-in for a real embedding model: a hashed bag of lower-cased words. */
function fakeEmbedder(name = 'fake-bow-16', dimension = 16): Embedder {
  return {
    name,
    dimension,
    async embed(texts) {
      return texts.map((text) => {
        const vector = new Float32Array(dimension);
        for (const word of text.toLowerCase().split(/\W+/).filter(Boolean)) {
          let h = 0;
          for (const ch of word) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
          vector[h % dimension] = vector[h % dimension]! + 1;
        }
        return vector;
      });
    },
  };
}

describe('classifier edge cases', () => {
  const classifier = trainClassifier(tickets, { calibrationFraction: 0 });

  it.each(['', '   ', '\n\t ', '!!! ???', '🙂'])(
    'gives a valid, unconfident prediction for text without features (%j)',
    (text) => {
      const prediction = classifier.predict(text);
      expect(classifier.labels).toContain(prediction.label);
      expect(Number.isFinite(prediction.confidence)).toBe(true);
      expect(prediction.confidence).toBeGreaterThan(0);
      expect(prediction.confidence).toBeLessThan(0.9);
      expect(prediction.scores).toHaveLength(3);
    },
  );

  it('trains on examples whose text is empty', () => {
    const model = trainClassifier([...tickets, { text: '  ', label: 'bug' }]);
    expect(model.predict('charged twice on my card').label).toBe('billing');
  });

  it('classifies paraphrases of the training tickets', () => {
    expect(classifier.predict('duplicate charge on my card').label).toBe('billing');
    expect(classifier.predict('password reset does not arrive').label).toBe('account');
    expect(classifier.predict('the app crashes with error 500').label).toBe('bug');
  });

  it('rejects training sets a classifier cannot be learned from', () => {
    expect(() => trainClassifier([])).toThrow(/two labels/);
    expect(() => trainClassifier(tickets.filter((t) => t.label === 'bug'))).toThrow(/two labels/);
    expect(() => trainClassifier([...tickets, { text: 'hello', label: ' ' }])).toThrow(/label/);
    expect(() => trainClassifier(tickets, { c: 0 })).toThrow(/c must be positive/);
    expect(() => trainClassifier(tickets, { calibrationFraction: 1 })).toThrow(/calibration/);
  });

  it('counts test labels the model never saw as errors and names them', () => {
    const report = evaluate(classifier, [
      { text: 'charged twice', label: 'billing' },
      { text: 'I would like to buy the enterprise plan', label: 'sales' },
      { text: 'Please send me a quote for 50 seats', label: 'sales' },
    ]);
    expect(report.unknownLabels).toEqual(['sales']);
    expect(report.accuracy).toBeLessThanOrEqual(1 / 3);
    const sales = report.perLabel.find((m) => m.label === 'sales');
    expect(sales).toMatchObject({ recall: 0, f1: 0, support: 2 });
    for (const prediction of ['billing', 'account', 'bug']) {
      expect(classifier.labels).toContain(prediction);
    }
  });

  it('never predicts a label outside its training labels', () => {
    for (const text of ['quote for 50 seats', 'bonjour', 'x'.repeat(5000)]) {
      expect(classifier.labels).toContain(classifier.predict(text).label);
    }
  });

  it('evaluates an empty set without dividing by zero', () => {
    expect(evaluate(classifier, [])).toMatchObject({ n: 0, accuracy: 0, macroF1: 0, ece: 0 });
  });

  describe('dense features from an embedder', () => {
    it('concatenates embeddings and keeps the embedder name in the stored model', async () => {
      const embedder = fakeEmbedder();
      const model = await trainClassifierWithEmbedder(tickets, embedder, {
        calibrationFraction: 0,
      });
      expect(model.dense).toEqual({ embedder: 'fake-bow-16', dimension: 16, weight: 0.5 });
      const text = 'Refund the duplicate charge on my credit card please';
      const [prediction] = await predictTexts(model, [text], embedder);
      expect(prediction!.label).toBe('billing');

      const restored = Classifier.fromJSON(JSON.stringify(model));
      const again = await predictTexts(restored, [text], embedder);
      expect(again[0]).toEqual(prediction);
    });

    it('refuses to predict without the embedder it was trained with', async () => {
      const model = await trainClassifierWithEmbedder(tickets, fakeEmbedder());
      await expect(predictTexts(model, ['hello'])).rejects.toThrow(/fake-bow-16/);
      await expect(predictTexts(model, ['hello'], fakeEmbedder('other-model'))).rejects.toThrow(
        /fake-bow-16/,
      );
      expect(() => model.predict('hello')).toThrow(/16-dimensional/);
      expect(() => classifier.predict('hello', new Float32Array(16))).toThrow(/without embedding/);
    });
  });
});
