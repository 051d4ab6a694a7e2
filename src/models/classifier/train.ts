/**
 * Training: fit the vocabulary, learn one-vs-rest SVM weights, and calibrate a softmax temperature
 * on a stratified holdout before the final fit on every example.
 */
import { fitTemperature } from './calibration.js';
import { CorpusEmbedding, type CorpusEmbeddingConfig, DEFAULT_CORPUS_CONFIG } from './corpus.js';
import { DEFAULT_FEATURE_CONFIG, type FeatureConfig, LexicalFeaturizer } from './features.js';
import {
  balancedClassWeights,
  type CsrMatrix,
  type SvmOptions,
  scoreInto,
  selectRows,
  toCsr,
  trainOneVsRest,
} from './linear.js';
import {
  combineFeatures,
  type DenseFeatureSpec,
  quantizeWeights,
  TrainedClassifier,
} from './model.js';
import { stratifiedSplit } from './split.js';

export interface LabelledText {
  readonly text: string;
  readonly label: string;
}

export interface DenseTrainingFeatures {
  readonly embedder: { readonly name: string; readonly dimension: number };
  /** One vector per training example, in the same order. */
  readonly vectors: readonly Float32Array[];
  /** Share of the squared norm given to the embedding; the lexical features keep the rest. */
  readonly weight?: number;
}

/**
 * Self-training: the model labels texts nobody labelled (the team's untriaged tickets), and the
 * predictions it is confident about join the training set at a lower cost. The vocabulary is fitted
 * on the unlabelled texts too, so words that only appear in them can get weights.
 */
export interface SelfTrainingOptions {
  readonly texts: readonly string[];
  /** Calibrated confidence a prediction needs to become a pseudo-label. */
  readonly minConfidence?: number;
  /** Cost of a pseudo-labelled example relative to a labelled one. */
  readonly weight?: number;
}

export interface TrainOptions {
  readonly features?: Partial<FeatureConfig>;
  /** SVM inverse regularisation. 1 is LIBLINEAR's default and held across every dataset we tried. */
  readonly c?: number;
  readonly seed?: number;
  /** Fraction held out to fit the temperature; 0 skips calibration (temperature 1). */
  readonly calibrationFraction?: number;
  readonly maxEpochs?: number;
  readonly tolerance?: number;
  /** 'balanced' raises the cost of errors on rare labels; improves macro-F1 on skewed queues. */
  readonly classWeight?: 'balanced' | 'uniform';
  readonly dense?: DenseTrainingFeatures;
  readonly selfTraining?: SelfTrainingOptions;
  /**
   * Word vectors learned from the training texts plus `texts` (the team's unlabelled tickets),
   * appended to the n-grams with `weight` of the squared norm (see `corpus.ts`).
   */
  readonly corpusEmbedding?: {
    readonly texts?: readonly string[];
    readonly weight?: number;
    readonly config?: Partial<CorpusEmbeddingConfig>;
  };
}

export const DEFAULT_TRAIN_OPTIONS = {
  c: 1,
  seed: 42,
  calibrationFraction: 0.2,
  maxEpochs: 200,
  tolerance: 0.1,
  denseWeight: 0.5,
  // Skewed queues and priorities otherwise never predict their small values; on balanced label
  // sets (intent benchmarks, the starter taxonomy) every weight is 1 and nothing changes.
  classWeight: 'balanced',
  selfTrainingMinConfidence: 0.7,
  selfTrainingWeight: 0.5,
  corpusEmbeddingWeight: 0.3,
} as const;

/** Below this many held-out examples a fitted temperature is noise; keep the raw scale. */
const MIN_CALIBRATION_EXAMPLES = 10;

export function trainClassifier(
  examples: readonly LabelledText[],
  options: TrainOptions = {},
): TrainedClassifier {
  for (const example of examples) {
    if (typeof example.label !== 'string' || example.label.trim() === '') {
      throw new Error('every training example needs a non-empty label');
    }
    if (typeof example.text !== 'string') throw new Error('every training example needs a text');
  }
  const selfTraining = options.selfTraining;
  if (!selfTraining) return trainOnce(examples, [], options).classifier;
  if (options.dense) {
    throw new Error(
      'self-training needs no embedding features; pass dense or selfTraining, not both',
    );
  }
  const minConfidence =
    selfTraining.minConfidence ?? DEFAULT_TRAIN_OPTIONS.selfTrainingMinConfidence;
  const weight = selfTraining.weight ?? DEFAULT_TRAIN_OPTIONS.selfTrainingWeight;
  if (!(minConfidence >= 0 && minConfidence <= 1)) {
    throw new RangeError(`selfTraining.minConfidence must be in [0, 1], got ${minConfidence}`);
  }
  if (!(weight > 0)) throw new RangeError(`selfTraining.weight must be positive, got ${weight}`);
  const teacher = trainOnce(examples, [], { ...options, selfTraining: undefined });
  const pseudo: LabelledText[] = [];
  for (const text of selfTraining.texts) {
    const prediction = teacher.classifier.predict(text);
    if (prediction.confidence >= minConfidence) pseudo.push({ text, label: prediction.label });
  }
  return trainOnce(examples, pseudo, options, {
    weight,
    vocabulary: selfTraining.texts,
    teacher,
  }).classifier;
}

interface TrainRun {
  readonly classifier: TrainedClassifier;
  /** Final dual variables, class-major over the rows trained on (labelled rows first). */
  readonly alphas: Float32Array;
}

/**
 * One training run: vocabulary, calibration on held-out labelled rows, final fit. `pseudo` rows
 * (self-training) are trained on at `weight` times the cost and left out of the class weights, so
 * they cannot skew them towards what the model already believes. A student (self-training's
 * second run) keeps its teacher's temperature, fitted on labelled rows only, and starts from the
 * teacher's dual variables: it costs a fraction of a second full training.
 */
function trainOnce(
  examples: readonly LabelledText[],
  pseudo: readonly LabelledText[],
  options: TrainOptions,
  extra: { weight: number; vocabulary: readonly string[]; teacher?: TrainRun } = {
    weight: 1,
    vocabulary: [],
  },
): TrainRun {
  // Sorted so the column order of the weight matrix does not depend on the order of examples.
  const labels = [...new Set(examples.map((example) => example.label))].sort();
  if (labels.length < 2) {
    throw new Error(`a classifier needs at least two labels, got ${labels.length}`);
  }
  const dense = options.dense;
  if (dense && dense.vectors.length !== examples.length) {
    throw new Error('dense.vectors must hold one vector per training example');
  }
  const c = options.c ?? DEFAULT_TRAIN_OPTIONS.c;
  if (!(c > 0)) throw new RangeError(`c must be positive, got ${c}`);
  const calibrationFraction =
    options.calibrationFraction ?? DEFAULT_TRAIN_OPTIONS.calibrationFraction;
  if (!(calibrationFraction >= 0 && calibrationFraction < 1)) {
    throw new RangeError(`calibrationFraction must be in [0, 1), got ${calibrationFraction}`);
  }
  const config: FeatureConfig = { ...DEFAULT_FEATURE_CONFIG, ...options.features };
  const seed = options.seed ?? DEFAULT_TRAIN_OPTIONS.seed;
  let svm: SvmOptions = {
    c,
    bias: 1,
    tolerance: options.tolerance ?? DEFAULT_TRAIN_OPTIONS.tolerance,
    maxEpochs: options.maxEpochs ?? DEFAULT_TRAIN_OPTIONS.maxEpochs,
    seed,
  };
  const denseSpec: DenseFeatureSpec | null = dense
    ? {
        embedder: dense.embedder.name,
        dimension: dense.embedder.dimension,
        weight: dense.weight ?? DEFAULT_TRAIN_OPTIONS.denseWeight,
      }
    : null;

  const rowsToFit = pseudo.length > 0 ? [...examples, ...pseudo] : examples;
  const featurizer = LexicalFeaturizer.fit(
    [...examples.map((example) => example.text), ...extra.vocabulary],
    config,
  );
  const corpusOptions = options.corpusEmbedding;
  if (corpusOptions && dense) {
    throw new Error('pass dense (an embedder) or corpusEmbedding, not both');
  }
  const corpus = corpusOptions
    ? {
        embedding: CorpusEmbedding.fit(
          [
            ...examples.map((example) => example.text),
            ...extra.vocabulary,
            ...(corpusOptions.texts ?? []),
          ],
          config,
          { ...DEFAULT_CORPUS_CONFIG, ...corpusOptions.config },
        ),
        weight: corpusOptions.weight ?? DEFAULT_TRAIN_OPTIONS.corpusEmbeddingWeight,
      }
    : null;
  const appended: DenseFeatureSpec | null = corpus
    ? { embedder: 'corpus', dimension: corpus.embedding.dimension, weight: corpus.weight }
    : denseSpec;
  const vectors = rowsToFit.map((example, i) =>
    combineFeatures(
      featurizer.transform(example.text),
      featurizer.dimension,
      appended,
      corpus ? corpus.embedding.embed(example.text) : dense?.vectors[i],
    ),
  );
  const matrix = toCsr(vectors, featurizer.dimension + (appended?.dimension ?? 0));
  const labelIndex = new Map(labels.map((label, index) => [label, index]));
  const gold = Int32Array.from(rowsToFit, (example) => labelIndex.get(example.label)!);
  const classWeight = options.classWeight ?? DEFAULT_TRAIN_OPTIONS.classWeight;
  if (classWeight === 'balanced') {
    svm = {
      ...svm,
      classWeights: balancedClassWeights(gold.subarray(0, examples.length), labels.length),
    };
  }
  if (pseudo.length > 0) {
    const exampleWeights = new Float64Array(rowsToFit.length).fill(1);
    exampleWeights.fill(extra.weight, examples.length);
    svm = { ...svm, exampleWeights };
  }

  const { temperature, warmStart } = extra.teacher
    ? fromTeacher(extra.teacher, examples.length, rowsToFit.length, labels.length)
    : calibrate(matrix, gold, labels.length, svm, calibrationFraction, examples.length);
  const { model: linear, alphas } = trainOneVsRest(matrix, gold, labels.length, svm, warmStart);
  const classifier = new TrainedClassifier({
    labels,
    featurizer,
    quantized: quantizeWeights(linear.weights, labels.length),
    temperature,
    dense: denseSpec,
    corpus,
    training: {
      examples: examples.length,
      c: svm.c,
      seed,
      ...(pseudo.length > 0 ? { pseudoLabelled: pseudo.length } : {}),
    },
  });
  return { classifier, alphas };
}

/** The teacher's temperature, and its dual variables as a warm start (pseudo rows at zero). */
function fromTeacher(
  teacher: TrainRun,
  labelledRows: number,
  rows: number,
  labelCount: number,
): { temperature: number; warmStart: Float32Array } {
  const warmStart = new Float32Array(rows * labelCount);
  for (let label = 0; label < labelCount; label++) {
    warmStart.set(
      teacher.alphas.subarray(label * labelledRows, (label + 1) * labelledRows),
      label * rows,
    );
  }
  return { temperature: teacher.classifier.temperature, warmStart };
}

/**
 * Trains on part of the data and fits the temperature on the rest. The vocabulary comes from all
 * examples, which leaks only document frequencies, not weights: a held-out text's unseen terms
 * still have zero weight in the calibration model.
 */
function calibrate(
  matrix: CsrMatrix,
  gold: Int32Array,
  labelCount: number,
  svm: SvmOptions,
  fraction: number,
  labelledRows: number,
): { temperature: number; warmStart?: Float32Array } {
  if (!(fraction > 0)) return { temperature: 1 };
  // Only labelled rows are held out: a pseudo-label is the model's own answer, not a check on it.
  const rows = Array.from(gold.subarray(0, labelledRows), (label, row) => ({
    row,
    label: String(label),
  }));
  const { train, test } = stratifiedSplit(rows, fraction, svm.seed);
  if (test.length < MIN_CALIBRATION_EXAMPLES) return { temperature: 1 };
  const trainRows = train.map(({ row }) => row);
  for (let row = labelledRows; row < gold.length; row++) trainRows.push(row);
  const exampleWeights = svm.exampleWeights;
  const { model, alphas } = trainOneVsRest(
    selectRows(matrix, trainRows),
    Int32Array.from(trainRows, (row) => gold[row]!),
    labelCount,
    exampleWeights
      ? { ...svm, exampleWeights: Float64Array.from(trainRows, (row) => exampleWeights[row]!) }
      : svm,
  );
  const scores: Float64Array[] = [];
  const heldOutGold = new Int32Array(test.length);
  test.forEach(({ row }, i) => {
    const start = matrix.offsets[row]!;
    const end = matrix.offsets[row + 1]!;
    const out = new Float64Array(labelCount);
    const vector = {
      indices: matrix.indices.subarray(start, end),
      values: matrix.values.subarray(start, end),
    };
    scoreInto(model, vector, out);
    scores.push(out);
    heldOutGold[i] = gold[row]!;
  });
  // Map the subset's dual variables back to full-data rows; held-out rows start at zero.
  const warmStart = new Float32Array(matrix.rows * labelCount);
  for (let label = 0; label < labelCount; label++) {
    trainRows.forEach((row, k) => {
      warmStart[label * matrix.rows + row] = alphas[label * trainRows.length + k]!;
    });
  }
  return { temperature: fitTemperature(scores, heldOutGold), warmStart };
}
