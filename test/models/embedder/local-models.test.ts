import { existsSync } from 'node:fs';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../../src/db/queries/kb.js';
import { importArticles } from '../../../src/kb/import.js';
import { indexArticle } from '../../../src/kb/indexer.js';
import { searchKnowledgeBase } from '../../../src/kb/search.js';
import { activateEmbedder, fillEmbeddings } from '../../../src/kb/vector-index.js';
import { createLlamaEmbedder } from '../../../src/models/embedder/llama.js';
import { createTransformersEmbedder } from '../../../src/models/embedder/transformers.js';
import type { Embedder } from '../../../src/models/embedder/types.js';
import { createTestDatabase, type TestDatabase } from '../../support/db.js';

const MODELS = path.resolve('../shared/models');
const ONNX = path.join(MODELS, 'onnx-tiny-distilbert-plumbing');
const GGUF = path.join(MODELS, 'stories260K.gguf');

const articles = [
  {
    externalId: 'cat',
    title: 'The cat',
    body: 'Once upon a time a cat sat on a mat.',
    format: 'text' as const,
  },
  {
    externalId: 'dog',
    title: 'The dog',
    body: 'A happy dog ran in the park all day.',
    format: 'text' as const,
  },
  {
    externalId: 'sun',
    title: 'The sun',
    body: 'The sun was warm and the sky was blue.',
    format: 'text' as const,
  },
];

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await database?.destroy();
});

/** Indexes the articles with `embedder` and checks every vector landed in pgvector under its name. */
async function indexAndCheck(embedder: Embedder, source: string) {
  await activateEmbedder(database.db, embedder);
  const result = await importArticles(database.db, articles, { source });
  for (const id of result.toIndex) await indexArticle(database.db, id, [embedder]);
  // Chunks indexed earlier under another model get this model's vectors in the background fill.
  expect((await fillEmbeddings(database.db, embedder)).activation.state).toBe('ready');
  const rows = await queryRows<{ n: number; dims: number; model: string }>(
    database.db,
    sql`select count(*)::int n, min(vector_dims(embedding)) dims, min(model) model
        from kb_chunk_embeddings e join kb_chunks c on c.id = e.chunk_id
        join kb_articles a on a.id = c.article_id
        where e.model = ${embedder.name} and a.source = ${source}`,
  );
  expect(rows[0]).toEqual({ n: 3, dims: embedder.dimension, model: embedder.name });
  const result2 = await searchKnowledgeBase(
    database.db,
    { query: 'a cat on a mat', mode: 'vector', limit: 3 },
    { embedders: [embedder] },
  );
  expect(result2.model).toBe(embedder.name);
  expect(result2.passages.length).toBeGreaterThan(0);
}

describe.skipIf(!existsSync(ONNX))('transformers.js embedder (local ONNX, no hub)', () => {
  it('loads the tiny DistilBERT offline and stores its vectors in pgvector', async () => {
    const embedder = await createTransformersEmbedder({
      modelPath: ONNX,
      dtype: 'fp32',
      pooling: 'cls',
    });
    try {
      expect(embedder.name).toBe('transformers:onnx-tiny-distilbert-plumbing:fp32:cls');
      const [a, b] = await embedder.embed(['refund please', 'refund please']);
      expect(a!.length).toBe(embedder.dimension);
      expect(Array.from(a!)).toEqual(Array.from(b!));
      expect(Array.from(a!).every(Number.isFinite)).toBe(true);
      await indexAndCheck(embedder, 'onnx');
    } finally {
      await embedder.close();
    }
  });

  it('refuses a model folder that is not on disk instead of downloading it', async () => {
    await expect(
      createTransformersEmbedder({ modelPath: path.join(MODELS, 'no-such-model') }),
    ).rejects.toThrow();
  });
});

describe.skipIf(!existsSync(GGUF))('node-llama-cpp embedder (GGUF)', () => {
  it('embeds with stories260K and stores 64-dimensional vectors in pgvector', async () => {
    const embedder = await createLlamaEmbedder({ modelPath: GGUF, contextSize: 1024 });
    try {
      expect(embedder.name).toBe('gguf:stories260K.gguf');
      expect(embedder.dimension).toBe(64);
      const [a, b, c] = await embedder.embed(['Once upon a time', 'Once upon a time', 'The end']);
      expect(Array.from(a!)).toEqual(Array.from(b!));
      expect(Array.from(a!)).not.toEqual(Array.from(c!));
      const norm = Math.sqrt(a!.reduce((s, x) => s + x * x, 0));
      expect(norm).toBeCloseTo(1, 4);
      // A text longer than the context is truncated, not rejected.
      const [long] = await embedder.embed(['word '.repeat(5_000)]);
      expect(long!.length).toBe(64);
      await indexAndCheck(embedder, 'gguf');
    } finally {
      await embedder.close();
    }
  }, 120_000);
});
