import { beforeAll, describe, expect, it } from 'vitest';
import {
  evaluate,
  type LabelledText,
  type TrainedClassifier,
  trainClassifier,
} from '../../../src/models/classifier/index.js';
import { loadClincSubset } from './fixtures.js';

describe('ticket classifier on real intents (20 CLINC150 labels)', () => {
  let train: LabelledText[];
  let test: LabelledText[];
  let classifier: TrainedClassifier;

  beforeAll(() => {
    ({ train, test } = loadClincSubset());
    classifier = trainClassifier(train);
  });

  it('learns every label it was given, in a stable order', () => {
    expect(classifier.labels).toHaveLength(20);
    expect([...classifier.labels]).toEqual([...new Set(train.map((e) => e.label))].sort());
  });

  it('is far more accurate than chance on held-out utterances', () => {
    const report = evaluate(classifier, test);
    // Chance is 0.05; a working model scores about 0.95 here. The margin absorbs small changes
    // in defaults without letting a broken featurizer or solver pass.
    expect(report.n).toBe(600);
    expect(report.accuracy).toBeGreaterThan(0.85);
    expect(report.macroF1).toBeGreaterThan(0.85);
    expect(report.perLabel).toHaveLength(20);
    for (const metrics of report.perLabel) expect(metrics.support).toBe(30);
    expect(report.unknownLabels).toEqual([]);
  });

  it('reports calibrated confidences', () => {
    const calibrated = evaluate(classifier, test);
    const uncalibrated = evaluate(trainClassifier(train, { calibrationFraction: 0 }), test);
    // Raw SVM margins through a softmax are nearly uniform over 20 labels (confidence ≈ 0.1 while
    // the model is right ≈ 95% of the time); the fitted temperature must fix that.
    console.info(
      `20 CLINC labels: accuracy ${calibrated.accuracy.toFixed(3)}, ECE ${calibrated.ece.toFixed(3)} ` +
        `(temperature ${classifier.temperature.toFixed(3)}; uncalibrated ECE ${uncalibrated.ece.toFixed(3)})`,
    );
    expect(calibrated.ece).toBeLessThan(0.08);
    expect(uncalibrated.ece).toBeGreaterThan(0.3);
    expect(classifier.temperature).toBeLessThan(1);
  });

  it('is more confident when it is right than when it is wrong', () => {
    let rightSum = 0;
    let right = 0;
    let wrongSum = 0;
    let wrong = 0;
    for (const example of test) {
      const prediction = classifier.predict(example.text);
      if (prediction.label === example.label) {
        rightSum += prediction.confidence;
        right++;
      } else {
        wrongSum += prediction.confidence;
        wrong++;
      }
    }
    expect(wrong).toBeGreaterThan(0);
    expect(rightSum / right).toBeGreaterThan(wrongSum / wrong + 0.15);
  });

  it('returns the top five labels as probabilities, best first', () => {
    const prediction = classifier.predict(test[0]!.text);
    expect(prediction.scores).toHaveLength(5);
    expect(prediction.scores[0]).toEqual({ label: prediction.label, score: prediction.confidence });
    const scores = prediction.scores.map((s) => s.score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    expect(scores.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(1 + 1e-9);
    expect(new Set(prediction.scores.map((s) => s.label)).size).toBe(5);
  });

  it('still generalises from ten examples per label', () => {
    const fewShot = train.filter((_, index) => index % 10 === 0);
    const report = evaluate(trainClassifier(fewShot), test);
    expect(new Set(fewShot.map((e) => e.label)).size).toBe(20);
    expect(report.accuracy).toBeGreaterThan(0.6);
  });

  it('names the label pairs it confuses most', () => {
    const report = evaluate(classifier, test, { topConfusions: 3 });
    expect(report.confusedPairs.length).toBeLessThanOrEqual(3);
    for (const pair of report.confusedPairs) {
      expect(pair.gold).not.toBe(pair.predicted);
      expect(pair.count).toBeGreaterThan(0);
    }
    const counts = report.confusedPairs.map((pair) => pair.count);
    expect(counts).toEqual([...counts].sort((a, b) => b - a));
  });
});
