/**
 * An ensemble of separately trained linear models (e.g. word n-grams only, character n-grams
 * only, and both): the average of their calibrated probabilities. Measured by `eval:classify
 * --ensemble`; not used by the service (see docs/models.md for the numbers behind that).
 */
import { softmaxInto } from './calibration.js';
import type { TrainedClassifier } from './model.js';

export function predictEnsemble(
  models: readonly TrainedClassifier[],
  text: string,
): { label: string; confidence: number } {
  const labels = models[0]!.labels;
  for (const model of models) {
    if (model.labels.join('\u0000') !== labels.join('\u0000')) {
      throw new Error('ensemble members must be trained on the same labels');
    }
  }
  const sum = new Float64Array(labels.length);
  const probabilities = new Float64Array(labels.length);
  for (const model of models) {
    softmaxInto(model.decisionValues(model.vectorize(text)), model.temperature, probabilities);
    for (let c = 0; c < labels.length; c++) sum[c] = sum[c]! + probabilities[c]!;
  }
  let best = 0;
  for (let c = 1; c < labels.length; c++) if (sum[c]! > sum[best]!) best = c;
  return { label: labels[best]!, confidence: sum[best]! / models.length };
}

/** Feature settings of the ensemble's single-view members. */
export const WORD_ONLY = { charNgrams: [0, 0] } as const;
export const CHAR_ONLY = {
  wordNgrams: [0, 0],
  skipBigrams: false,
  boundaryMarkers: false,
} as const;
