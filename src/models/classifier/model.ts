import stopword from 'stopword';
/**
 * A trained ticket classifier: lexical featurizer + linear weights + a calibration temperature.
 * Pure and synchronous; the optional dense (embedding) features are computed by the caller, or by
 * the async helpers in `embedding.ts`, and passed in as a vector.
 */
import { softmaxInto } from './calibration.js';
import { CorpusEmbedding, type SerializedCorpusEmbedding } from './corpus.js';
import { decodeFloat32, decodeInt8, encodeBase64 } from './encoding.js';
import {
  FEATURE_VERSION,
  type FeatureConfig,
  LexicalFeaturizer,
  type SerializedFeaturizer,
  type SparseVector,
} from './features.js';
import { type LinearWeights, scoreInto } from './linear.js';

export const MODEL_KIND = 'deskpilot.linear-text-classifier';
export const MODEL_FORMAT_VERSION = 1;
const TOP_SCORES = 5;

/** A term of the text and its contribution to a label's score (weight × feature value). */
export interface TermContribution {
  readonly term: string;
  readonly weight: number;
}

export interface LabelScore {
  readonly label: string;
  /** Calibrated probability. */
  readonly score: number;
}

export interface Prediction {
  readonly label: string;
  /** Calibrated probability of `label`, in (0, 1]. */
  readonly confidence: number;
  /** The most probable labels (at most five), best first. */
  readonly scores: readonly LabelScore[];
}

/** How embedding features were appended to the lexical ones, if they were. */
export interface DenseFeatureSpec {
  /** `Embedder.name` of the model that produced the vectors; vectors from another are refused. */
  readonly embedder: string;
  readonly dimension: number;
  /** Share of the squared norm given to the embedding (the lexical block gets the rest). */
  readonly weight: number;
}

export interface TrainingSummary {
  readonly examples: number;
  readonly c: number;
  readonly seed: number;
  /** Self-trained models: how many unlabelled texts joined training with the model's label. */
  readonly pseudoLabelled?: number;
}

/**
 * Weights as 8-bit codes with one float scale per feature row: four times smaller than float32,
 * and the in-memory model uses the decoded values, so a round trip predicts identically.
 */
export interface QuantizedWeights {
  readonly codes: Int8Array;
  readonly scales: Float32Array;
}

export interface SerializedClassifier {
  readonly kind: typeof MODEL_KIND;
  readonly formatVersion: typeof MODEL_FORMAT_VERSION;
  readonly featureVersion: string;
  readonly labels: readonly string[];
  readonly temperature: number;
  readonly features: SerializedFeaturizer;
  readonly dense: DenseFeatureSpec | null;
  /** Word vectors trained on the team's texts (`corpus.ts`), appended like an embedding. */
  readonly corpus?: { readonly embedding: SerializedCorpusEmbedding; readonly weight: number };
  readonly training: TrainingSummary;
  readonly weights: {
    readonly encoding: 'int8-row-scaled';
    readonly columns: number;
    /** base64 Int8Array, feature-major (`columns + 1` rows of `labels.length`; last row = bias). */
    readonly codes: string;
    /** base64 Float32Array, one scale per row. */
    readonly scales: string;
  };
}

export function quantizeWeights(weights: Float32Array, labelCount: number): QuantizedWeights {
  const rows = weights.length / labelCount;
  const codes = new Int8Array(weights.length);
  const scales = new Float32Array(rows);
  for (let row = 0; row < rows; row++) {
    const start = row * labelCount;
    let max = 0;
    for (let c = 0; c < labelCount; c++) max = Math.max(max, Math.abs(weights[start + c]!));
    const scale = max / 127;
    scales[row] = scale;
    if (scale === 0) continue;
    for (let c = 0; c < labelCount; c++)
      codes[start + c] = Math.round(weights[start + c]! / scales[row]!);
  }
  return { codes, scales };
}

function dequantizeWeights({ codes, scales }: QuantizedWeights, labelCount: number): Float32Array {
  const weights = new Float32Array(codes.length);
  for (let i = 0; i < codes.length; i++)
    weights[i] = codes[i]! * scales[Math.floor(i / labelCount)]!;
  return weights;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export class TrainedClassifier {
  readonly labels: readonly string[];
  readonly featureVersion = FEATURE_VERSION;
  readonly temperature: number;
  readonly dense: DenseFeatureSpec | null;
  readonly training: TrainingSummary;
  private readonly featurizer: LexicalFeaturizer;
  private readonly quantized: QuantizedWeights;
  private readonly linear: LinearWeights;
  // Reused by predict(); safe because prediction is synchronous.
  private readonly rawScores: Float64Array;
  private readonly probabilities: Float64Array;
  private readonly corpus: { embedding: CorpusEmbedding; weight: number } | null;
  private readonly corpusSpec: DenseFeatureSpec | null;

  constructor(parts: {
    labels: readonly string[];
    featurizer: LexicalFeaturizer;
    quantized: QuantizedWeights;
    temperature: number;
    dense: DenseFeatureSpec | null;
    corpus?: { embedding: CorpusEmbedding; weight: number } | null;
    training: TrainingSummary;
  }) {
    const corpus = parts.corpus ?? null;
    if (corpus && parts.dense) {
      throw new Error('a classifier has either an embedder or corpus word vectors, not both');
    }
    const columns =
      parts.featurizer.dimension + (parts.dense?.dimension ?? corpus?.embedding.dimension ?? 0);
    if (parts.quantized.codes.length !== (columns + 1) * parts.labels.length) {
      throw new Error('corrupt classifier: weight matrix does not match labels and features');
    }
    this.labels = parts.labels;
    this.featurizer = parts.featurizer;
    this.quantized = parts.quantized;
    this.temperature = parts.temperature;
    this.dense = parts.dense;
    this.corpus = corpus;
    this.corpusSpec = corpus
      ? { embedder: 'corpus', dimension: corpus.embedding.dimension, weight: corpus.weight }
      : null;
    this.training = parts.training;
    this.linear = {
      labelCount: parts.labels.length,
      columns,
      weights: dequantizeWeights(parts.quantized, parts.labels.length),
    };
    this.rawScores = new Float64Array(parts.labels.length);
    this.probabilities = new Float64Array(parts.labels.length);
  }

  get featureConfig(): FeatureConfig {
    return this.featurizer.config;
  }

  /**
   * The model's input vector for a text. `denseVector` is required exactly when the model was
   * trained with embedding features.
   */
  vectorize(text: string, denseVector?: Float32Array): SparseVector {
    if (this.corpus) {
      if (denseVector !== undefined) {
        throw new Error('this classifier has its own word vectors; do not pass an embedding');
      }
      return combineFeatures(
        this.featurizer.transform(text),
        this.featurizer.dimension,
        this.corpusSpec,
        this.corpus.embedding.embed(text),
      );
    }
    return combineFeatures(
      this.featurizer.transform(text),
      this.featurizer.dimension,
      this.dense,
      denseVector,
    );
  }

  /** Raw (uncalibrated) decision values per label; mainly for calibration and diagnostics. */
  decisionValues(vector: SparseVector): Float64Array {
    const out = new Float64Array(this.labels.length);
    scoreInto(this.linear, vector, out);
    return out;
  }

  predict(text: string, denseVector?: Float32Array): Prediction {
    return this.predictVector(this.vectorize(text, denseVector));
  }

  predictVector(vector: SparseVector): Prediction {
    scoreInto(this.linear, vector, this.rawScores);
    softmaxInto(this.rawScores, this.temperature, this.probabilities);
    const top = topIndices(this.probabilities, Math.min(TOP_SCORES, this.labels.length));
    const scores = top.map((index) => ({
      label: this.labels[index]!,
      score: this.probabilities[index]!,
    }));
    return { label: scores[0]!.label, confidence: scores[0]!.score, scores };
  }

  /**
   * The terms of `text` that pushed hardest towards `label`, strongest first: each term's summed
   * contribution (feature value × the label's weight) over its word n-gram and character n-gram
   * columns. Exact for a linear model; the embedding block, if any, is one "(embedding)" entry.
   */
  explain(text: string, label: string, limit = 5, denseVector?: Float32Array): TermContribution[] {
    const labelIndex = this.labels.indexOf(label);
    if (labelIndex < 0) return [];
    // Without the embedding (a caller that only wants the words) the lexical block alone is
    // scored: its columns' contributions differ from the full model's by one constant factor.
    const vector =
      this.dense && !denseVector
        ? this.featurizer.transform(text)
        : this.vectorize(text, denseVector);
    const terms = this.featurizer.describe(text);
    const byTerm = new Map<string, number>();
    const { labelCount, weights } = this.linear;
    for (let k = 0; k < vector.indices.length; k++) {
      const column = vector.indices[k]!;
      const term =
        terms.get(column) ?? (column >= this.featurizer.dimension ? '(embedding)' : undefined);
      if (term === undefined) continue;
      const contribution = vector.values[k]! * weights[column * labelCount + labelIndex]!;
      byTerm.set(term, (byTerm.get(term) ?? 0) + contribution);
    }
    return [...byTerm]
      .filter(([term, weight]) => weight > 0 && !onlyStopWords(term))
      .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
      .slice(0, limit)
      .map(([term, weight]) => ({ term, weight: Number(weight.toFixed(3)) }));
  }

  toJSON(): SerializedClassifier {
    return {
      kind: MODEL_KIND,
      formatVersion: MODEL_FORMAT_VERSION,
      featureVersion: this.featureVersion,
      labels: this.labels,
      temperature: this.temperature,
      features: this.featurizer.toJSON(),
      dense: this.dense,
      ...(this.corpus
        ? { corpus: { embedding: this.corpus.embedding.toJSON(), weight: this.corpus.weight } }
        : {}),
      training: this.training,
      weights: {
        encoding: 'int8-row-scaled',
        columns: this.linear.columns,
        codes: encodeBase64(this.quantized.codes),
        scales: encodeBase64(this.quantized.scales),
      },
    };
  }

  /** Accepts the object from `toJSON()` or its JSON text (as read back from a jsonb column). */
  static fromJSON(input: unknown): TrainedClassifier {
    const json: unknown = typeof input === 'string' ? JSON.parse(input) : input;
    if (!isRecord(json) || json.kind !== MODEL_KIND) {
      throw new Error(`not a ${MODEL_KIND} document`);
    }
    if (json.formatVersion !== MODEL_FORMAT_VERSION) {
      throw new Error(
        `unsupported classifier format ${String(json.formatVersion)}; retrain the model`,
      );
    }
    if (json.featureVersion !== FEATURE_VERSION) {
      // Features computed by different code would silently feed the weights garbage.
      throw new Error(
        `classifier was trained with features ${String(json.featureVersion)}, this build computes ${FEATURE_VERSION}; retrain the model`,
      );
    }
    const serialized = json as unknown as SerializedClassifier;
    const { labels, weights, temperature } = serialized;
    if (!Array.isArray(labels) || labels.some((label) => typeof label !== 'string')) {
      throw new Error('corrupt classifier: labels');
    }
    if (!(typeof temperature === 'number' && temperature > 0) || !isRecord(weights)) {
      throw new Error('corrupt classifier: temperature or weights');
    }
    const quantized = { codes: decodeInt8(weights.codes), scales: decodeFloat32(weights.scales) };
    if (quantized.scales.length * labels.length !== quantized.codes.length) {
      throw new Error('corrupt classifier: weight scales do not match the weight matrix');
    }
    return new TrainedClassifier({
      labels: [...labels],
      featurizer: LexicalFeaturizer.fromJSON(serialized.features),
      quantized,
      temperature,
      dense: serialized.dense ?? null,
      corpus: serialized.corpus
        ? {
            embedding: CorpusEmbedding.fromJSON(serialized.corpus.embedding),
            weight: serialized.corpus.weight,
          }
        : null,
      training: serialized.training,
    });
  }
}

/** Indices of the `k` largest values, largest first; ties go to the lower index. */
function topIndices(values: Float64Array, k: number): number[] {
  const top: number[] = [];
  for (let i = 0; i < values.length; i++) {
    if (top.length === k) {
      if (values[i]! <= values[top[k - 1]!]!) continue;
      top.pop();
    }
    let at = top.length;
    top.push(i);
    while (at > 0 && values[top[at - 1]!]! < values[i]!) {
      top[at] = top[at - 1]!;
      at--;
    }
    top[at] = i;
  }
  return top;
}

/**
 * Appends an embedding after the lexical columns. Both parts are unit-normalised first and then
 * weighted, so neither dominates because of its dimension or its model's scale.
 */
export function combineFeatures(
  lexical: SparseVector,
  lexicalDimension: number,
  dense: DenseFeatureSpec | null,
  denseVector: Float32Array | undefined,
): SparseVector {
  if (dense === null) {
    if (denseVector !== undefined) {
      throw new Error(
        'this classifier was trained without embedding features; do not pass a vector',
      );
    }
    return lexical;
  }
  if (denseVector === undefined || denseVector.length !== dense.dimension) {
    throw new Error(
      `this classifier needs a ${dense.dimension}-dimensional vector from embedder ${dense.embedder}`,
    );
  }
  let denseNorm = 0;
  for (let i = 0; i < denseVector.length; i++) denseNorm += denseVector[i]! * denseVector[i]!;
  let lexicalNorm = 0;
  for (let i = 0; i < lexical.values.length; i++)
    lexicalNorm += lexical.values[i]! * lexical.values[i]!;
  const hasDense = denseNorm > 0;
  const hasLexical = lexicalNorm > 0;
  const denseShare = hasDense && hasLexical ? dense.weight : hasDense ? 1 : 0;
  const denseScale = hasDense ? Math.sqrt(denseShare / denseNorm) : 0;
  const lexicalScale = hasLexical ? Math.sqrt((1 - denseShare) / lexicalNorm) : 0;
  const size = lexical.indices.length + dense.dimension;
  const indices = new Int32Array(size);
  const values = new Float64Array(size);
  for (let k = 0; k < lexical.indices.length; k++) {
    indices[k] = lexical.indices[k]!;
    values[k] = lexical.values[k]! * lexicalScale;
  }
  for (let d = 0; d < dense.dimension; d++) {
    indices[lexical.indices.length + d] = lexicalDimension + d;
    values[lexical.indices.length + d] = denseVector[d]! * denseScale;
  }
  return { indices, values };
}

/**
 * Function words ("my", "the", "le", "die") in the languages support tickets mostly come in:
 * the model may weigh them (they carry style and register), but as the words an agent is shown
 * as the reason for a category they explain nothing. A term goes when every word of it is one.
 * The lists are the `stopword` package's (well kept, many languages).
 */
const STOP_WORDS = new Set(
  [stopword.eng, stopword.deu, stopword.fra, stopword.spa, stopword.por, stopword.ita, stopword.nld]
    .flat()
    .map((w) => w.toLowerCase()),
);

function onlyStopWords(term: string): boolean {
  const words = term.split(/ … | /).filter(Boolean);
  return words.length > 0 && words.every((w) => STOP_WORDS.has(w.toLowerCase()));
}
