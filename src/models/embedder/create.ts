/**
 * One way to open a local embedding model from a path, shared by the service (`EMBEDDER`) and the
 * offline evaluations: a path ending `.gguf` is loaded with node-llama-cpp, anything else is a
 * folder with an ONNX export for transformers.js. Nothing is downloaded.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Embedder } from './types.js';

export interface EmbedderSpec {
  /** A `.gguf` file or an ONNX model folder. */
  readonly path: string;
  /**
   * ONNX only. Default: what the folder's sentence-transformers pooling config says
   * (`1_Pooling/config.json`), else `mean`. bge wants `cls`; e5 and MiniLM want `mean`.
   */
  readonly pooling?: 'mean' | 'cls';
  /** Prepended to every text (e5 models want `query: `, nomic-embed `classification: `). */
  readonly prefix?: string;
}

export type ClosableEmbedder = Embedder & { close(): Promise<void> };

export async function createEmbedder(spec: EmbedderSpec): Promise<ClosableEmbedder> {
  const prefix = spec.prefix ?? '';
  if (spec.path.endsWith('.gguf')) {
    const { createLlamaEmbedder } = await import('./llama.js');
    const embedder = await createLlamaEmbedder({ modelPath: spec.path });
    if (prefix === '') return embedder;
    return {
      name: `${embedder.name}:${JSON.stringify(prefix)}`,
      dimension: embedder.dimension,
      embed: (texts) => embedder.embed(texts.map((text) => prefix + text)),
      close: () => embedder.close(),
    };
  }
  const { createTransformersEmbedder } = await import('./transformers.js');
  const pooling = spec.pooling ?? folderPooling(spec.path) ?? 'mean';
  const base = `transformers:${path.basename(path.resolve(spec.path))}:fp32:${pooling}`;
  return createTransformersEmbedder({
    modelPath: spec.path,
    pooling,
    prefix,
    // The prefix changes every vector, so it is part of the name vectors are stored under.
    ...(prefix === '' ? {} : { name: `${base}:${JSON.stringify(prefix)}` }),
  });
}

/** The pooling a sentence-transformers export declares, if it ships its pooling config. */
export function folderPooling(folder: string): 'mean' | 'cls' | undefined {
  const file = path.join(folder, '1_Pooling', 'config.json');
  if (!existsSync(file)) return undefined;
  try {
    const config = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    if (config.pooling_mode_cls_token === true) return 'cls';
    if (config.pooling_mode_mean_tokens === true) return 'mean';
  } catch {
    // An unreadable pooling file is the same as none: fall back to the default.
  }
  return undefined;
}
