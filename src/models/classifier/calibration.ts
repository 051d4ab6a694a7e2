/**
 * Confidence calibration. Margins of a linear SVM are not probabilities; a single temperature
 * applied before the softmax, fitted on examples the model did not see, makes "0.8 confident" mean
 * right about 80% of the time (Guo et al., 2017). One parameter cannot overfit a small holdout and
 * never changes which label wins.
 */

/** Softmax of `scores / temperature`, written into `out`. */
export function softmaxInto(scores: Float64Array, temperature: number, out: Float64Array): void {
  let max = Number.NEGATIVE_INFINITY;
  for (let c = 0; c < scores.length; c++) if (scores[c]! > max) max = scores[c]!;
  let sum = 0;
  for (let c = 0; c < scores.length; c++) {
    const e = Math.exp((scores[c]! - max) / temperature);
    out[c] = e;
    sum += e;
  }
  for (let c = 0; c < scores.length; c++) out[c] = out[c]! / sum;
}

function negativeLogLikelihood(
  scores: readonly Float64Array[],
  gold: Int32Array,
  inverseTemperature: number,
): number {
  let total = 0;
  for (let i = 0; i < scores.length; i++) {
    const row = scores[i]!;
    let max = Number.NEGATIVE_INFINITY;
    for (let c = 0; c < row.length; c++) if (row[c]! > max) max = row[c]!;
    let sum = 0;
    for (let c = 0; c < row.length; c++) sum += Math.exp((row[c]! - max) * inverseTemperature);
    total += Math.log(sum) - (row[gold[i]!]! - max) * inverseTemperature;
  }
  return total / scores.length;
}

const MIN_TEMPERATURE = 1e-3;
const MAX_TEMPERATURE = 1e3;

/**
 * Temperature minimising held-out negative log-likelihood. The NLL is convex in 1/T, so a golden
 * section search over log(1/T) finds the optimum without gradients.
 */
export function fitTemperature(scores: readonly Float64Array[], gold: Int32Array): number {
  if (scores.length === 0) return 1;
  let low = Math.log(1 / MAX_TEMPERATURE);
  let high = Math.log(1 / MIN_TEMPERATURE);
  const ratio = (Math.sqrt(5) - 1) / 2;
  let a = high - ratio * (high - low);
  let b = low + ratio * (high - low);
  let fa = negativeLogLikelihood(scores, gold, Math.exp(a));
  let fb = negativeLogLikelihood(scores, gold, Math.exp(b));
  for (let iteration = 0; iteration < 60; iteration++) {
    if (fa < fb) {
      high = b;
      b = a;
      fb = fa;
      a = high - ratio * (high - low);
      fa = negativeLogLikelihood(scores, gold, Math.exp(a));
    } else {
      low = a;
      a = b;
      fa = fb;
      b = low + ratio * (high - low);
      fb = negativeLogLikelihood(scores, gold, Math.exp(b));
    }
  }
  return 1 / Math.exp((low + high) / 2);
}

/**
 * Expected calibration error over equal-width confidence bins: the support-weighted gap between
 * how confident the classifier said it was and how often it was right.
 */
export function expectedCalibrationError(
  predictions: readonly { readonly confidence: number; readonly correct: boolean }[],
  bins = 10,
): number {
  if (predictions.length === 0) return 0;
  const confidenceSum = new Float64Array(bins);
  const correctCount = new Float64Array(bins);
  const count = new Float64Array(bins);
  for (const { confidence, correct } of predictions) {
    const bin = Math.min(bins - 1, Math.floor(confidence * bins));
    confidenceSum[bin] = confidenceSum[bin]! + confidence;
    correctCount[bin] = correctCount[bin]! + (correct ? 1 : 0);
    count[bin] = count[bin]! + 1;
  }
  let error = 0;
  for (let bin = 0; bin < bins; bin++) {
    if (count[bin] === 0) continue;
    error += Math.abs(confidenceSum[bin]! - correctCount[bin]!);
  }
  return error / predictions.length;
}
