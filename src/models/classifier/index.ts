export {
  expectedCalibrationError,
  fitTemperature,
} from './calibration.js';
export { predictTexts, trainClassifierWithEmbedder } from './embedding.js';
export {
  type ConfusedPair,
  type EvaluateOptions,
  type Evaluation,
  evaluate,
  type LabelMetrics,
  type PredictionOutcome,
  scorePredictions,
} from './evaluate.js';
export {
  DEFAULT_FEATURE_CONFIG,
  FEATURE_VERSION,
  type FeatureConfig,
  LexicalFeaturizer,
  tokenize,
} from './features.js';
export {
  type DenseFeatureSpec,
  type LabelScore,
  MODEL_KIND,
  type Prediction,
  type SerializedClassifier,
  type TermContribution,
  TrainedClassifier,
  // The name the design notes use; same class.
  TrainedClassifier as Classifier,
} from './model.js';
export { samplePerLabel, stratifiedSplit } from './split.js';
export {
  DEFAULT_TRAIN_OPTIONS,
  type DenseTrainingFeatures,
  type LabelledText,
  type SelfTrainingOptions,
  type TrainOptions,
  trainClassifier,
} from './train.js';
