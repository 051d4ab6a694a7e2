/**
 * Offline quality report for a classifier on labelled examples: the numbers a support lead needs to
 * decide whether a retrained model may replace the current one.
 */
import { expectedCalibrationError } from './calibration.js';
import type { TrainedClassifier } from './model.js';
import type { LabelledText } from './train.js';

export interface LabelMetrics {
  readonly label: string;
  readonly precision: number;
  readonly recall: number;
  readonly f1: number;
  /** Number of evaluation examples whose gold label this is. */
  readonly support: number;
}

export interface ConfusedPair {
  readonly gold: string;
  readonly predicted: string;
  readonly count: number;
}

export interface Evaluation {
  readonly n: number;
  readonly accuracy: number;
  /** Unweighted mean F1 over every label that occurs as gold or as prediction. */
  readonly macroF1: number;
  /** Expected calibration error of the top confidence (10 bins). */
  readonly ece: number;
  readonly perLabel: readonly LabelMetrics[];
  /** Most frequent (gold → predicted) mistakes, most frequent first. */
  readonly confusedPairs: readonly ConfusedPair[];
  /**
   * Gold labels the classifier was never trained on (a category added after training). Their
   * examples count as errors: the model cannot be right about them, and hiding that would flatter it.
   */
  readonly unknownLabels: readonly string[];
}

export interface EvaluateOptions {
  readonly topConfusions?: number;
  /** Embedding per example, required when the classifier was trained with dense features. */
  readonly denseVectors?: readonly Float32Array[];
}

export function evaluate(
  classifier: TrainedClassifier,
  examples: readonly LabelledText[],
  options: EvaluateOptions = {},
): Evaluation {
  const outcomes = examples.map((example, i): PredictionOutcome => {
    const prediction = classifier.predict(example.text, options.denseVectors?.[i]);
    return { gold: example.label, predicted: prediction.label, confidence: prediction.confidence };
  });
  return scorePredictions(outcomes, {
    knownLabels: classifier.labels,
    topConfusions: options.topConfusions,
  });
}

/** One gold label and what a predictor (model, rules, baseline) said, with its confidence. */
export interface PredictionOutcome {
  readonly gold: string;
  readonly predicted: string;
  /** In [0, 1]; a predictor without one (rules) reports 1. */
  readonly confidence: number;
}

/**
 * The report for any predictor's answers, so the trained model, the rules and the majority
 * baseline are scored by the same code.
 */
export function scorePredictions(
  outcomes: readonly PredictionOutcome[],
  options: { knownLabels?: readonly string[]; topConfusions?: number } = {},
): Evaluation {
  const truePositives = new Map<string, number>();
  const goldCount = new Map<string, number>();
  const predictedCount = new Map<string, number>();
  const confusions = new Map<string, ConfusedPair>();
  const calibration: { confidence: number; correct: boolean }[] = [];
  const increment = (counts: Map<string, number>, label: string) =>
    counts.set(label, (counts.get(label) ?? 0) + 1);
  let correct = 0;
  for (const outcome of outcomes) {
    const isCorrect = outcome.predicted === outcome.gold;
    increment(goldCount, outcome.gold);
    increment(predictedCount, outcome.predicted);
    calibration.push({ confidence: outcome.confidence, correct: isCorrect });
    if (isCorrect) {
      correct++;
      increment(truePositives, outcome.gold);
      continue;
    }
    const key = JSON.stringify([outcome.gold, outcome.predicted]);
    const pair = confusions.get(key);
    confusions.set(key, {
      gold: outcome.gold,
      predicted: outcome.predicted,
      count: (pair?.count ?? 0) + 1,
    });
  }
  const labels = [...new Set([...goldCount.keys(), ...predictedCount.keys()])].sort();
  const perLabel = labels.map((label): LabelMetrics => {
    const tp = truePositives.get(label) ?? 0;
    const support = goldCount.get(label) ?? 0;
    const predicted = predictedCount.get(label) ?? 0;
    const precision = predicted === 0 ? 0 : tp / predicted;
    const recall = support === 0 ? 0 : tp / support;
    const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
    return { label, precision, recall, f1, support };
  });
  const macroF1 =
    perLabel.length === 0
      ? 0
      : perLabel.reduce((sum, metrics) => sum + metrics.f1, 0) / perLabel.length;
  const confusedPairs = [...confusions.values()]
    .sort(
      (a, b) =>
        b.count - a.count || a.gold.localeCompare(b.gold) || a.predicted.localeCompare(b.predicted),
    )
    .slice(0, options.topConfusions ?? 10);
  const known = options.knownLabels ? new Set(options.knownLabels) : null;
  return {
    n: outcomes.length,
    accuracy: outcomes.length === 0 ? 0 : correct / outcomes.length,
    macroF1,
    ece: expectedCalibrationError(calibration),
    perLabel,
    confusedPairs,
    unknownLabels: known ? [...goldCount.keys()].filter((label) => !known.has(label)).sort() : [],
  };
}
