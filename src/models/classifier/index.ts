export {
  expectedCalibrationError,
  fitTemperature,
} from './calibration.js';
export { predictTexts, trainClassifierWithEmbedder } from './embedding.js';
export {
  type Evaluation,
  evaluate,
  type PredictionOutcome,
  scorePredictions,
} from './evaluate.js';
export {
  FEATURE_VERSION,
  type FeatureConfig,
  LexicalFeaturizer,
  tokenize,
} from './features.js';
export {
  MODEL_KIND,
  type Prediction,
  type TermContribution,
  TrainedClassifier,
  // The name the design notes use; same class.
  TrainedClassifier as Classifier,
} from './model.js';
export { samplePerLabel, stratifiedSplit } from './split.js';
export {
  type LabelledText,
  type TrainOptions,
  trainClassifier,
} from './train.js';
