import path from 'node:path';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { getClassifierModel } from '../../../src/db/queries/triage.js';
import { createTransformersEmbedder } from '../../../src/models/embedder/transformers.js';
import {
  createClassifierStore,
  predictCategory,
} from '../../../src/pipeline/triage/classifier-store.js';
import { fileTestDeps } from '../../support/fixtures.js';

const onnx = path.resolve(
  import.meta.dirname,
  '../../../../shared/models/onnx-tiny-distilbert-plumbing',
);
const deps = await fileTestDeps();

describe('classifier store', () => {
  it('trains the first version from the starter taxonomy, with a held-out evaluation', async () => {
    const store = createClassifierStore(deps.db, pino({ level: 'silent' }));
    const loaded = await store.current();
    const row = await getClassifierModel(deps.db, loaded.version);
    expect(row?.labels).toEqual(expect.arrayContaining(['billing', 'shipping', 'account']));
    expect(row?.metrics).toMatchObject({
      heldOut: expect.any(Number),
      accuracy: expect.any(Number),
    });
    expect(store.trainedOn()).toBeGreaterThan(50);
    expect(
      (await predictCategory(loaded, 'where is my parcel, tracking shows nothing', undefined))
        .label,
    ).toBe('shipping');
  });

  it('appends dense features from a configured embedder (transformers.js ONNX) and predicts with them', async () => {
    const embedder = await createTransformersEmbedder({
      modelPath: onnx,
      dtype: 'fp32',
      pooling: 'cls',
    });
    try {
      const store = createClassifierStore(deps.db, pino({ level: 'silent' }), { embedder });
      const { version } = await store.retrain();
      const loaded = await store.current();
      expect(loaded.version).toBe(version);
      expect(loaded.classifier.dense?.embedder).toBe(embedder.name);
      const prediction = await predictCategory(loaded, 'I was charged twice this month', embedder);
      expect(loaded.classifier.labels).toContain(prediction.label);
      expect(prediction.confidence).toBeGreaterThan(0);
    } finally {
      await embedder.close();
    }
  }, 60_000);

  it('retrains once when EMBEDDER changed since the stored models were trained', async () => {
    const lexical = await createClassifierStore(deps.db, pino({ level: 'silent' })).retrain();
    const embedder = await createTransformersEmbedder({
      modelPath: onnx,
      dtype: 'fp32',
      pooling: 'cls',
    });
    try {
      // A worker started with the new setting finds models trained without it.
      const store = createClassifierStore(deps.db, pino({ level: 'silent' }), { embedder });
      const loaded = await store.current();
      expect(loaded.version).not.toBe(lexical.version);
      expect(loaded.classifier.dense?.embedder).toBe(embedder.name);
      const prediction = await predictCategory(loaded, 'where is my parcel', embedder);
      expect(loaded.classifier.labels).toContain(prediction.label);
      // And back: without an embedder, the dense models are replaced by n-gram ones.
      const plain = await createClassifierStore(deps.db, pino({ level: 'silent' })).current();
      expect(plain.version).not.toBe(loaded.version);
      expect(plain.classifier.dense).toBeNull();
      expect(plain.classifier.predict('where is my parcel').label).toBe('shipping');
    } finally {
      await embedder.close();
    }
  }, 120_000);
});
