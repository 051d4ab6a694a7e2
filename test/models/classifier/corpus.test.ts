import { describe, expect, it } from 'vitest';
import { CorpusEmbedding } from '../../../src/models/classifier/corpus.js';
import {
  Classifier,
  evaluate,
  type LabelledText,
  samplePerLabel,
  trainClassifier,
} from '../../../src/models/classifier/index.js';
import { loadClincSubset } from './fixtures.js';

const tokenizer = { stripAccents: false, maxChars: 20_000 };

function cosine(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  return dot / Math.sqrt(na * nb);
}

describe('word vectors trained on the team’s tickets (random indexing)', () => {
  // "reimburse" and "refund" never occur together, but in the same contexts; so do
  // "parcel" and "package".
  const texts: string[] = [];
  for (let i = 0; i < 20; i++) {
    texts.push(`please refund my money for order ${i}`, `please reimburse my money for order ${i}`);
    texts.push(`where is my parcel it has not arrived`, `where is my package it has not arrived`);
  }
  const embedding = CorpusEmbedding.fit(texts, tokenizer);

  it('gives words used in the same contexts similar vectors', () => {
    const [refund, reimburse, parcel] = ['refund', 'reimburse', 'parcel'].map((w) =>
      embedding.embed(w),
    );
    expect(cosine(refund!, reimburse!)).toBeGreaterThan(0.8);
    expect(cosine(refund!, parcel!)).toBeLessThan(0.3);
    expect(cosine(embedding.embed('package'), parcel!)).toBeGreaterThan(0.8);
  });

  it('has no vector for words seen in fewer than minCount texts, and round-trips', () => {
    expect(Array.from(embedding.embed('zebra')).every((v) => v === 0)).toBe(true);
    const restored = CorpusEmbedding.fromJSON(JSON.parse(JSON.stringify(embedding.toJSON())));
    expect(Array.from(restored.embed('refund my parcel'))).toEqual(
      Array.from(embedding.embed('refund my parcel')),
    );
  });

  it('lets a classifier generalise to a word only unlabelled tickets taught it', () => {
    const labelled: LabelledText[] = [
      { text: 'please refund my money', label: 'billing' },
      { text: 'refund for order', label: 'billing' },
      { text: 'where is my parcel', label: 'shipping' },
      { text: 'parcel has not arrived', label: 'shipping' },
    ];
    const model = trainClassifier(labelled, {
      calibrationFraction: 0,
      corpusEmbedding: { texts, weight: 0.5 },
    });
    // "reimburse" and "package" share no word and few character n-grams with the labelled texts:
    // n-grams alone barely lean the right way (about 0.56).
    const plain = trainClassifier(labelled, { calibrationFraction: 0 });
    for (const [word, label] of [
      ['reimburse', 'billing'],
      ['package', 'shipping'],
    ] as const) {
      const prediction = model.predict(word);
      expect(prediction.label).toBe(label);
      expect(prediction.confidence).toBeGreaterThan(plain.predict(word).confidence + 0.1);
    }
    const restored = Classifier.fromJSON(JSON.stringify(model));
    expect(restored.predict('reimburse')).toEqual(model.predict('reimburse'));
    expect(() => model.predict('x', new Float32Array(256))).toThrow(/own word vectors/);
  });

  it('helps a few-shot model on real utterances, with the rest as unlabelled text', () => {
    const { train, test } = loadClincSubset();
    const few = samplePerLabel(train, 5, 7);
    const all = train.map((e) => e.text);
    const plain = evaluate(trainClassifier(few), test);
    const withCorpus = evaluate(trainClassifier(few, { corpusEmbedding: { texts: all } }), test);
    console.info(
      `5-shot, 20 intents: accuracy ${plain.accuracy.toFixed(3)} → ${withCorpus.accuracy.toFixed(3)} with corpus word vectors`,
    );
    expect(withCorpus.accuracy).toBeGreaterThan(plain.accuracy);
  });
});
