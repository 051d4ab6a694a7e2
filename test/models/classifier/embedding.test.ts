/**
 * The classifier on n-grams + a local embedding model, end to end with the real (tiny) model files
 * in ../shared/models: each is loaded the way `EMBEDDER` loads it, the classifier is trained on
 * both feature blocks, stored, restored and asked again. The plumbing models' weights are random
 * (ONNX) or story-trained (GGUF), so quality is not the point; that the embedding block is really
 * read, stored and required is. (The ONNX plumbing model's "embedding" is its classifier logit
 * under CLS pooling: one dimension, the same for every text. The GGUF gives 64 varying ones.)
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  Classifier,
  type LabelledText,
  predictTexts,
  trainClassifierWithEmbedder,
} from '../../../src/models/classifier/index.js';
import { type ClosableEmbedder, createEmbedder } from '../../../src/models/embedder/create.js';

const MODELS = path.resolve('../shared/models');
const ONNX = path.join(MODELS, 'onnx-tiny-distilbert-plumbing');
const GGUF = path.join(MODELS, 'stories260K.gguf');

const tickets: LabelledText[] = [];
for (let i = 0; i < 12; i++) {
  tickets.push({ text: `I was charged twice on invoice ${i}`, label: 'billing' });
  tickets.push({ text: `Parcel ${i} has not arrived yet, where is it`, label: 'shipping' });
  tickets.push({ text: `The password reset link ${i} does not work`, label: 'account' });
}

async function trainAndPredict(embedder: ClosableEmbedder): Promise<void> {
  const model = await trainClassifierWithEmbedder(tickets, embedder);
  expect(model.dense).toEqual({
    embedder: embedder.name,
    dimension: embedder.dimension,
    weight: 0.5,
  });
  const texts = ['charged twice on my invoice', 'my parcel has not arrived'];
  const predictions = await predictTexts(model, texts, embedder);
  expect(predictions.map((p) => p.label)).toEqual(['billing', 'shipping']);

  // The embedding block carries trained weights: the same text with its embedding scores
  // differently from the text with an all-zero embedding (the lexical block alone).
  const [vector] = await embedder.embed([texts[0]!]);
  const withEmbedding = model.decisionValues(model.vectorize(texts[0]!, vector));
  const lexicalOnly = model.decisionValues(
    model.vectorize(texts[0]!, new Float32Array(embedder.dimension)),
  );
  const difference = withEmbedding.reduce((sum, v, i) => sum + Math.abs(v - lexicalOnly[i]!), 0);
  expect(difference).toBeGreaterThan(1e-3);

  // Stored as JSON (a jsonb column) and restored, it predicts identically, and only with the
  // embedder it was trained with.
  const restored = Classifier.fromJSON(JSON.stringify(model));
  expect(await predictTexts(restored, texts, embedder)).toEqual(predictions);
  await expect(predictTexts(restored, texts)).rejects.toThrow(embedder.name);
}

describe.skipIf(!existsSync(ONNX))(
  'classifier on n-grams + an ONNX embedder (transformers.js)',
  () => {
    it('trains, predicts and round-trips with the tiny DistilBERT loaded from disk', async () => {
      const embedder = await createEmbedder({ path: ONNX, pooling: 'cls' });
      try {
        expect(embedder.name).toBe('transformers:onnx-tiny-distilbert-plumbing:fp32:cls');
        await trainAndPredict(embedder);
      } finally {
        await embedder.close();
      }
    }, 120_000);

    it('names a prefixed embedder apart, since the prefix changes every vector', async () => {
      const embedder = await createEmbedder({ path: ONNX, pooling: 'cls', prefix: 'query: ' });
      try {
        expect(embedder.name).toBe('transformers:onnx-tiny-distilbert-plumbing:fp32:cls:"query: "');
      } finally {
        await embedder.close();
      }
    }, 120_000);
  },
);

describe.skipIf(!existsSync(GGUF))(
  'classifier on n-grams + a GGUF embedder (node-llama-cpp)',
  () => {
    it('trains, predicts and round-trips with stories260K', async () => {
      const embedder = await createEmbedder({ path: GGUF });
      try {
        expect(embedder).toMatchObject({ name: 'gguf:stories260K.gguf', dimension: 64 });
        await trainAndPredict(embedder);
      } finally {
        await embedder.close();
      }
    }, 180_000);
  },
);
