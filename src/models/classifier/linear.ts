/**
 * One-vs-rest linear SVM (L2-regularised, squared hinge loss) trained by dual coordinate descent
 * with shrinking, the LIBLINEAR algorithm (Hsieh et al., ICML 2008). It converges in a handful of
 * passes on sparse text features and needs no learning-rate schedule, which matters because the
 * service retrains unattended on whatever labels the agents produced.
 */
import type { SparseVector } from './features.js';
import { createRandom, shuffleInPlace } from './random.js';

/** Rows of sparse vectors packed into three flat arrays (compressed sparse rows). */
export interface CsrMatrix {
  readonly rows: number;
  readonly columns: number;
  readonly offsets: Int32Array;
  readonly indices: Int32Array;
  readonly values: Float64Array;
}

export function toCsr(vectors: readonly SparseVector[], columns: number): CsrMatrix {
  let nonZeros = 0;
  for (const vector of vectors) nonZeros += vector.indices.length;
  const offsets = new Int32Array(vectors.length + 1);
  const indices = new Int32Array(nonZeros);
  const values = new Float64Array(nonZeros);
  let at = 0;
  vectors.forEach((vector, row) => {
    indices.set(vector.indices, at);
    values.set(vector.values, at);
    at += vector.indices.length;
    offsets[row + 1] = at;
  });
  return { rows: vectors.length, columns, offsets, indices, values };
}

export function selectRows(matrix: CsrMatrix, rows: readonly number[]): CsrMatrix {
  const vectors = rows.map((row) => {
    const start = matrix.offsets[row]!;
    const end = matrix.offsets[row + 1]!;
    return {
      indices: matrix.indices.subarray(start, end),
      values: matrix.values.subarray(start, end),
    };
  });
  return toCsr(vectors, matrix.columns);
}

export interface SvmOptions {
  /** Inverse regularisation strength. */
  readonly c: number;
  /** Value of the constant feature that carries the (regularised) intercept. */
  readonly bias: number;
  /** Stop when the projected-gradient spread falls below this (LIBLINEAR's default is 0.1). */
  readonly tolerance: number;
  readonly maxEpochs: number;
  readonly seed: number;
  /** Multiplier of `c` per class; absent means every class weighs the same. */
  readonly classWeights?: Float64Array;
  /** Multiplier of `c` per row (e.g. below 1 for pseudo-labelled rows); absent means 1. */
  readonly exampleWeights?: Float64Array;
}

/**
 * Weights laid out feature-major: row `j` holds the `labelCount` weights of column `j`, and the
 * final row holds the intercepts. Scoring a sparse text then walks contiguous memory.
 */
export interface LinearWeights {
  readonly labelCount: number;
  readonly columns: number;
  readonly weights: Float32Array;
}

export interface OneVsRestResult {
  readonly model: LinearWeights;
  /** Dual variables, class-major (`labelCount` runs of `rows`): a warm start for a later fit. */
  readonly alphas: Float32Array;
}

/**
 * `labels[i]` is the class index of row `i`; rows are scored against every class. `warmStart`
 * holds dual variables from a fit on overlapping data (class-major, zero for new rows); the
 * calibration fit on 80% of the examples makes the final fit converge in a fraction of the passes.
 */
export function trainOneVsRest(
  matrix: CsrMatrix,
  labels: Int32Array,
  labelCount: number,
  options: SvmOptions,
  warmStart?: Float32Array,
): OneVsRestResult {
  const { rows, columns, offsets, indices, values } = matrix;
  const stride = labelCount;
  const weights = new Float32Array((columns + 1) * stride);
  // Per-example cost: C times the weight of the example's class (see `balancedClassWeights`).
  const diagonal = new Float64Array(rows);
  for (let i = 0; i < rows; i++) {
    diagonal[i] =
      0.5 /
      (options.c * (options.classWeights?.[labels[i]!] ?? 1) * (options.exampleWeights?.[i] ?? 1));
  }
  const squaredNorms = new Float64Array(rows);
  for (let i = 0; i < rows; i++) {
    let sum = options.bias * options.bias;
    for (let k = offsets[i]!; k < offsets[i + 1]!; k++) sum += values[k]! * values[k]!;
    squaredNorms[i] = sum + diagonal[i]!;
  }
  const random = createRandom(options.seed);
  const w = new Float64Array(columns + 1);
  const alpha = new Float64Array(rows);
  const alphas = new Float32Array(rows * labelCount);
  const order = new Int32Array(rows);
  const similarity = centroidSimilarity(matrix, labels, labelCount);
  for (let label = 0; label < labelCount; label++) {
    w.fill(0);
    alpha.fill(0);
    if (warmStart) {
      for (let i = 0; i < rows; i++) {
        const start = warmStart[label * rows + i]!;
        if (start === 0) continue;
        alpha[i] = start;
        const step = labels[i] === label ? start : -start;
        for (let k = offsets[i]!; k < offsets[i + 1]!; k++) w[indices[k]!]! += step * values[k]!;
        w[columns] = w[columns]! + step * options.bias;
      }
    }
    let active = initialWorkingSet(order, label, labels, alpha, similarity, labelCount);
    let maxOld = Number.POSITIVE_INFINITY;
    let verifying = false;
    for (let epoch = 0; epoch < options.maxEpochs; epoch++) {
      let maxNew = Number.NEGATIVE_INFINITY;
      let minNew = Number.POSITIVE_INFINITY;
      shuffleInPlace(order.subarray(0, active), random);
      for (let s = 0; s < active; s++) {
        const i = order[s]!;
        const y = labels[i] === label ? 1 : -1;
        const start = offsets[i]!;
        const end = offsets[i + 1]!;
        let margin = w[columns]! * options.bias;
        for (let k = start; k < end; k++) margin += w[indices[k]!]! * values[k]!;
        const gradient = y * margin - 1 + alpha[i]! * diagonal[i]!;
        let projected = gradient;
        if (alpha[i] === 0) {
          if (gradient > maxOld) {
            // Shrinking: a confidently correct example will stay at alpha = 0; stop visiting it.
            active--;
            order[s] = order[active]!;
            order[active] = i;
            s--;
            continue;
          }
          if (gradient > 0) projected = 0;
        }
        if (projected > maxNew) maxNew = projected;
        if (projected < minNew) minNew = projected;
        if (Math.abs(projected) > 1e-12) {
          const previous = alpha[i]!;
          const next = Math.max(previous - gradient / squaredNorms[i]!, 0);
          alpha[i] = next;
          const step = (next - previous) * y;
          for (let k = start; k < end; k++) w[indices[k]!]! += step * values[k]!;
          w[columns] = w[columns]! + step * options.bias;
        }
      }
      if (maxNew - minNew <= options.tolerance) {
        if (active === rows || verifying) break;
        // Converged on the working set: one pass over every row finds the violators. Rows beyond
        // the margin by more than the tolerance are set aside again during that pass (LIBLINEAR
        // keeps them all for another full pass, which costs more than the rare re-check).
        active = rows;
        maxOld = options.tolerance;
        verifying = true;
        continue;
      }
      verifying = false;
      maxOld = maxNew > 0 ? maxNew : Number.POSITIVE_INFINITY;
    }
    for (let j = 0; j < columns; j++) weights[j * stride + label] = w[j]!;
    weights[columns * stride + label] = w[columns]! * options.bias;
    alphas.set(alpha, label * rows);
  }
  return { model: { labelCount, columns, weights }, alphas };
}

/**
 * Similarity of every row to every class centroid (row-major, `rows × labelCount`). One pass over
 * the data, with contiguous inner loops; used only to pick where the solver starts looking.
 */
function centroidSimilarity(
  matrix: CsrMatrix,
  labels: Int32Array,
  labelCount: number,
): Float32Array {
  const { rows, columns, offsets, indices, values } = matrix;
  const centroids = new Float64Array(columns * labelCount);
  for (let i = 0; i < rows; i++) {
    const label = labels[i]!;
    for (let k = offsets[i]!; k < offsets[i + 1]!; k++) {
      centroids[indices[k]! * labelCount + label]! += values[k]!;
    }
  }
  const similarity = new Float32Array(rows * labelCount);
  const row = new Float64Array(labelCount);
  for (let i = 0; i < rows; i++) {
    row.fill(0);
    for (let k = offsets[i]!; k < offsets[i + 1]!; k++) {
      const base = indices[k]! * labelCount;
      const value = values[k]!;
      for (let c = 0; c < labelCount; c++) row[c]! += value * centroids[base + c]!;
    }
    similarity.set(row, i * labelCount);
  }
  return similarity;
}

/**
 * Negatives examined first per positive example, plus a floor for tiny classes. Only a speed
 * knob: the solver re-checks every row before it stops, so the optimum does not depend on it.
 */
const NEGATIVES_PER_POSITIVE = 10;
const MIN_NEGATIVES = 100;

/**
 * Orders rows so that `order[0, returned)` is the working set for `label`: its positives, rows
 * with a warm-started alpha, and the negatives most similar to its centroid. Most negatives end
 * with alpha = 0; starting from the ones near the boundary instead of sweeping all of them for
 * several epochs until shrinking notices cuts training time roughly in half.
 */
function initialWorkingSet(
  order: Int32Array,
  label: number,
  labels: Int32Array,
  alpha: Float64Array,
  similarity: Float32Array,
  labelCount: number,
): number {
  const rows = labels.length;
  let positives = 0;
  const negativeScores: number[] = [];
  for (let i = 0; i < rows; i++) {
    if (labels[i] === label) positives++;
    else if (alpha[i] === 0) negativeScores.push(similarity[i * labelCount + label]!);
  }
  const wanted = Math.min(
    negativeScores.length,
    NEGATIVES_PER_POSITIVE * positives + MIN_NEGATIVES,
  );
  const sorted = Float32Array.from(negativeScores).sort();
  const threshold = wanted === 0 ? Number.POSITIVE_INFINITY : sorted[sorted.length - wanted]!;
  let front = 0;
  let back = rows;
  for (let i = 0; i < rows; i++) {
    const working =
      labels[i] === label || alpha[i]! > 0 || similarity[i * labelCount + label]! >= threshold;
    if (working) order[front++] = i;
    else order[--back] = i;
  }
  return front;
}

/** Raw decision values for one sparse vector, written into `out` (length `labelCount`). */
export function scoreInto(model: LinearWeights, vector: SparseVector, out: Float64Array): void {
  const { labelCount, columns, weights } = model;
  const biasRow = columns * labelCount;
  for (let c = 0; c < labelCount; c++) out[c] = weights[biasRow + c]!;
  const { indices, values } = vector;
  for (let k = 0; k < indices.length; k++) {
    const column = indices[k]!;
    if (column >= columns) continue;
    const value = values[k]!;
    const row = column * labelCount;
    for (let c = 0; c < labelCount; c++) out[c]! += value * weights[row + c]!;
  }
}

/**
 * Weights inversely proportional to class frequency (scikit-learn's "balanced"): a queue that gets
 * 2% of tickets costs as much to get wrong as one that gets 40%. Equal-sized classes all get 1.
 */
export function balancedClassWeights(labels: Int32Array, labelCount: number): Float64Array {
  const counts = new Float64Array(labelCount);
  for (const label of labels) counts[label] = counts[label]! + 1;
  const weights = new Float64Array(labelCount);
  for (let c = 0; c < labelCount; c++) {
    weights[c] = counts[c]! > 0 ? labels.length / (labelCount * counts[c]!) : 1;
  }
  return weights;
}
