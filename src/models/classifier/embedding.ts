/**
 * The optional dense-feature hook: embed texts with any `Embedder` and concatenate the vectors to
 * the lexical features. Kept apart from training so the core stays synchronous and I/O-free.
 */
import type { Embedder } from '../embedder/types.js';
import type { Prediction, TrainedClassifier } from './model.js';
import { type LabelledText, type TrainOptions, trainClassifier } from './train.js';

export async function trainClassifierWithEmbedder(
  examples: readonly LabelledText[],
  embedder: Embedder,
  options: Omit<TrainOptions, 'dense'> & { readonly denseWeight?: number } = {},
): Promise<TrainedClassifier> {
  const vectors = await embedder.embed(examples.map((example) => example.text));
  const { denseWeight, ...rest } = options;
  return trainClassifier(examples, {
    ...rest,
    dense: { embedder, vectors, ...(denseWeight === undefined ? {} : { weight: denseWeight }) },
  });
}

/** Predicts with whatever features the classifier was trained on, embedding only when needed. */
export async function predictTexts(
  classifier: TrainedClassifier,
  texts: readonly string[],
  embedder?: Embedder,
): Promise<Prediction[]> {
  if (classifier.dense === null) return texts.map((text) => classifier.predict(text));
  if (!embedder || embedder.name !== classifier.dense.embedder) {
    throw new Error(
      `this classifier was trained with embedder ${classifier.dense.embedder}; pass that embedder`,
    );
  }
  const vectors = await embedder.embed([...texts]);
  return texts.map((text, i) => classifier.predict(text, vectors[i]));
}
