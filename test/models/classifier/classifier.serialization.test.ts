import { beforeAll, describe, expect, it } from 'vitest';
import {
  Classifier,
  FEATURE_VERSION,
  type LabelledText,
  type TrainedClassifier,
  trainClassifier,
} from '../../../src/models/classifier/index.js';
import { loadClincSubset } from './fixtures.js';

describe('classifier serialisation and determinism', () => {
  let train: LabelledText[];
  let test: LabelledText[];
  let classifier: TrainedClassifier;

  beforeAll(() => {
    ({ train, test } = loadClincSubset());
    classifier = trainClassifier(train, { seed: 7 });
  });

  it('round-trips through JSON text (as stored in a jsonb column) with identical predictions', () => {
    const stored = JSON.stringify(classifier.toJSON());
    const restored = Classifier.fromJSON(JSON.parse(stored));
    const fromText = Classifier.fromJSON(stored);
    for (const example of test) {
      const expected = classifier.predict(example.text);
      expect(restored.predict(example.text)).toEqual(expected);
      expect(fromText.predict(example.text)).toEqual(expected);
    }
    expect(JSON.stringify(restored.toJSON())).toBe(stored);
  });

  it('records labels, feature configuration and feature version', () => {
    const json = classifier.toJSON();
    expect(json.featureVersion).toBe(FEATURE_VERSION);
    expect(json.labels).toEqual(classifier.labels);
    expect(json.features.config).toEqual(classifier.featureConfig);
    expect(json.training).toEqual({ examples: train.length, c: 1, seed: 7 });
    expect(json.dense).toBeNull();
  });

  it('stays compact: one byte per weight, smaller than the raw float32 weights', () => {
    const json = classifier.toJSON();
    const weights = Buffer.from(json.weights.codes, 'base64').length;
    expect(weights).toBe((json.weights.columns + 1) * json.labels.length);
    expect(JSON.stringify(json).length).toBeLessThan(weights * 4);
  });

  it('refuses a model whose features were computed by other code', () => {
    const json = { ...classifier.toJSON(), featureVersion: 'lexical-v0' };
    expect(() => Classifier.fromJSON(json)).toThrow(/retrain/);
  });

  it('refuses documents that are not classifiers or are damaged', () => {
    expect(() => Classifier.fromJSON({ kind: 'something-else' })).toThrow(/not a/);
    expect(() => Classifier.fromJSON(null)).toThrow();
    const json = classifier.toJSON();
    const truncated = {
      ...json,
      weights: { ...json.weights, codes: json.weights.codes.slice(0, 400) },
    };
    expect(() => Classifier.fromJSON(truncated)).toThrow(/corrupt/);
    expect(() => Classifier.fromJSON({ ...json, labels: [1, 2] })).toThrow(/corrupt/);
  });

  it('trains the identical model from the same examples and seed', () => {
    const again = trainClassifier(train, { seed: 7 });
    expect(JSON.stringify(again.toJSON())).toBe(JSON.stringify(classifier.toJSON()));
  });

  it('uses the seed: another seed gives another (equally good) model', () => {
    const other = trainClassifier(train, { seed: 8 });
    expect(JSON.stringify(other.toJSON())).not.toBe(JSON.stringify(classifier.toJSON()));
    let agree = 0;
    for (const example of test) {
      if (other.predict(example.text).label === classifier.predict(example.text).label) agree++;
    }
    expect(agree / test.length).toBeGreaterThan(0.95);
  });
});
