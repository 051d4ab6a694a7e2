import { describe, expect, it } from 'vitest';
import {
  expectedCalibrationError,
  fitTemperature,
  samplePerLabel,
  stratifiedSplit,
} from '../../../src/models/classifier/index.js';
import { createRandom } from '../../../src/models/classifier/random.js';

describe('temperature fitting', () => {
  it('recovers the temperature that generated the labels', () => {
    const random = createRandom(3);
    const trueTemperature = 0.25;
    const scores: Float64Array[] = [];
    const gold: number[] = [];
    for (let i = 0; i < 4000; i++) {
      const row = Float64Array.from({ length: 5 }, () => random() * 2 - 1);
      const weights = Array.from(row, (s) => Math.exp(s / trueTemperature));
      const total = weights.reduce((a, b) => a + b, 0);
      let u = random() * total;
      let label = 0;
      while (u > weights[label]! && label < 4) u -= weights[label++]!;
      scores.push(row);
      gold.push(label);
    }
    expect(fitTemperature(scores, Int32Array.from(gold))).toBeCloseTo(trueTemperature, 1);
  });

  it('measures calibration error as the gap between confidence and accuracy', () => {
    const perfect = [
      ...Array.from({ length: 8 }, () => ({ confidence: 0.8, correct: true })),
      ...Array.from({ length: 2 }, () => ({ confidence: 0.8, correct: false })),
    ];
    expect(expectedCalibrationError(perfect)).toBeCloseTo(0, 10);
    const overconfident = Array.from({ length: 10 }, (_, i) => ({
      confidence: 0.95,
      correct: i < 5,
    }));
    expect(expectedCalibrationError(overconfident)).toBeCloseTo(0.45, 10);
  });
});

describe('evaluation splits', () => {
  const examples = [
    ...Array.from({ length: 50 }, (_, i) => ({ text: `a${i}`, label: 'a' })),
    ...Array.from({ length: 10 }, (_, i) => ({ text: `b${i}`, label: 'b' })),
    { text: 'c0', label: 'c' },
  ];

  it('holds out the same fraction of every label and keeps singletons for training', () => {
    const { train, test } = stratifiedSplit(examples, 0.2, 1);
    expect(test.filter((e) => e.label === 'a')).toHaveLength(10);
    expect(test.filter((e) => e.label === 'b')).toHaveLength(2);
    expect(test.filter((e) => e.label === 'c')).toHaveLength(0);
    expect(train.length + test.length).toBe(examples.length);
    expect(new Set([...train, ...test].map((e) => e.text)).size).toBe(examples.length);
  });

  it('is deterministic for a seed', () => {
    const first = stratifiedSplit(examples, 0.2, 1);
    expect(stratifiedSplit(examples, 0.2, 1)).toEqual(first);
    expect(stratifiedSplit(examples, 0.2, 2).test).not.toEqual(first.test);
  });

  it('subsamples at most N examples per label', () => {
    const sample = samplePerLabel(examples, 3, 1);
    expect(sample.filter((e) => e.label === 'a')).toHaveLength(3);
    expect(sample.filter((e) => e.label === 'b')).toHaveLength(3);
    expect(sample.filter((e) => e.label === 'c')).toHaveLength(1);
    expect(samplePerLabel(examples, 3, 1)).toEqual(sample);
  });
});
