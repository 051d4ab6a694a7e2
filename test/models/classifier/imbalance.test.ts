import { describe, expect, it } from 'vitest';
import {
  evaluate,
  type LabelledText,
  samplePerLabel,
  trainClassifier,
} from '../../../src/models/classifier/index.js';
import { loadClincSubset } from './fixtures.js';

/**
 * A skewed label set as a team's queues are: nine labels with 100 examples each and one with 12
 * (about 1%), from real CLINC150 utterances; the held-out test keeps all 30 per label.
 */
function skewed(): { train: LabelledText[]; test: LabelledText[]; small: string } {
  const { train, test } = loadClincSubset(10);
  const small = [...new Set(train.map((e) => e.label))].sort()[3]!;
  const few = samplePerLabel(
    train.filter((e) => e.label === small),
    12,
    7,
  );
  return { train: [...train.filter((e) => e.label !== small), ...few], test, small };
}

describe('class imbalance', () => {
  it('predicts a small class with enough examples (balanced class weights, the default)', () => {
    const { train, test, small } = skewed();
    const balanced = evaluate(trainClassifier(train), test);
    const uniform = evaluate(trainClassifier(train, { classWeight: 'uniform' }), test);
    const recall = (report: typeof balanced) =>
      report.perLabel.find((m) => m.label === small)!.recall;
    expect(recall(balanced)).toBeGreaterThanOrEqual(0.5);
    expect(recall(balanced)).toBeGreaterThan(recall(uniform));
    expect(balanced.macroF1).toBeGreaterThanOrEqual(uniform.macroF1);
  });
});
