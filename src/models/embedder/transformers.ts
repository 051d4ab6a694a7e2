import path from 'node:path';
import { importTransformers } from '../optional.js';
import type { Embedder } from './types.js';
import { toUnitLength } from './unit-length.js';

export interface TransformersEmbedderOptions {
  /** Folder with config.json, tokenizer files and onnx/model*.onnx (a Hugging Face export). */
  modelPath: string;
  /** ONNX weights variant to load (`fp32`, `fp16`, `q8`, …); must exist in the folder. */
  dtype?: 'fp32' | 'fp16' | 'q8' | 'int8' | 'uint8' | 'q4' | 'bnb4' | 'q4f16';
  /** Sentence-transformers models want `mean`; BERT-style CLS models (bge) want `cls`. */
  pooling?: 'mean' | 'cls' | 'none';
  /** Prepended to every text, e.g. `query: ` for e5 models. */
  prefix?: string;
  /** Texts per forward pass; bounds memory for long chunks. */
  batchSize?: number;
  /** Stored with every vector; defaults to `transformers:<folder name>:<dtype>:<pooling>`. */
  name?: string;
}

interface FeatureExtractor {
  (
    texts: string[],
    options: { pooling: string; normalize: boolean },
  ): Promise<{
    data: Float32Array | number[];
    dims: number[];
  }>;
  dispose?: () => Promise<void>;
}

/**
 * Dense embeddings with @huggingface/transformers (ONNX Runtime) from a local model folder. Remote
 * downloads are disabled: the folder must be on disk (see `models:pull`), so nothing at run time
 * reaches a model hub. The dimension is read from the model's first output, not from config, so
 * any encoder export works.
 */
export async function createTransformersEmbedder(
  options: TransformersEmbedderOptions,
): Promise<Embedder & { close(): Promise<void> }> {
  const { env, pipeline } = await importTransformers();
  const folder = path.resolve(options.modelPath);
  env.allowRemoteModels = false;
  env.allowLocalModels = true;
  // Resolution happens when the pipeline is created, so pointing the shared env at this model's
  // parent folder does not disturb pipelines other modules created earlier.
  env.localModelPath = `${path.dirname(folder)}${path.sep}`;
  const dtype = options.dtype ?? 'fp32';
  const pooling = options.pooling ?? 'mean';
  const extractor = (await pipeline('feature-extraction', path.basename(folder), {
    dtype,
    local_files_only: true,
  })) as unknown as FeatureExtractor;
  const prefix = options.prefix ?? '';
  const batchSize = options.batchSize ?? 16;

  const run = async (texts: string[]): Promise<Float32Array[]> => {
    const vectors: Float32Array[] = [];
    for (let start = 0; start < texts.length; start += batchSize) {
      const batch = texts.slice(start, start + batchSize).map((t) => prefix + t);
      // Normalised here, per text: the pipeline's own `normalize` works on the last axis, which
      // is the batch axis when a pooled model returns one value per text.
      const output = await extractor(batch, { pooling, normalize: false });
      const data = Float32Array.from(output.data);
      const dims = output.dims;
      if (dims.length === 3) {
        // Token-level output [batch, tokens, dim] (pooling "none"): keep the first (CLS) token.
        const [, tokens = 1, dim = 1] = dims;
        for (let i = 0; i < batch.length; i++) {
          vectors.push(toUnitLength(data.slice(i * tokens * dim, i * tokens * dim + dim)));
        }
      } else {
        const dim = dims.length === 2 ? dims[1]! : data.length / batch.length;
        for (let i = 0; i < batch.length; i++) {
          vectors.push(toUnitLength(data.slice(i * dim, (i + 1) * dim)));
        }
      }
    }
    return vectors;
  };

  const [probe] = await run(['dimension probe']);
  const dimension = probe!.length;
  return {
    name: options.name ?? `transformers:${path.basename(folder)}:${dtype}:${pooling}`,
    dimension,
    embed: (texts) => (texts.length ? run(texts) : Promise.resolve([])),
    close: async () => {
      await extractor.dispose?.();
    },
  };
}
