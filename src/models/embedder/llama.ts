import { availableParallelism } from 'node:os';
import path from 'node:path';
import { importNodeLlamaCpp } from '../optional.js';
import type { Embedder } from './types.js';
import { toUnitLength } from './unit-length.js';

export interface LlamaEmbedderOptions {
  /** Path to a GGUF model file (an embedding model such as bge/nomic, or any llama.cpp model). */
  modelPath: string;
  /** Tokens per text the context can hold; longer texts are truncated to fit. */
  contextSize?: number;
  /**
   * CPU threads for inference. Default: one fewer than the machine's cores (at most 4), so the
   * event loop and Postgres keep a core; llama.cpp's worker threads spin while waiting, and
   * giving them every core of a busy 2-core box made each embedding ~300× slower (measured).
   */
  threads?: number;
  /** Stored with every vector; defaults to `gguf:<file name>`. */
  name?: string;
}

/**
 * Embeddings from a GGUF model through node-llama-cpp (llama.cpp, in-process, CPU by default).
 * Only the prebuilt binary is used: building llama.cpp from source at run time would need a
 * download. Texts are embedded one at a time on one context (llama.cpp contexts are not
 * re-entrant), so calls are serialised.
 */
export async function createLlamaEmbedder(
  options: LlamaEmbedderOptions,
): Promise<Embedder & { close(): Promise<void> }> {
  const { getLlama, LlamaLogLevel } = await importNodeLlamaCpp();
  const llama = await getLlama({
    build: 'never',
    gpu: false,
    progressLogs: false,
    logLevel: LlamaLogLevel.error,
  });
  const model = await llama.loadModel({ modelPath: path.resolve(options.modelPath) });
  const contextSize = options.contextSize ?? 1024;
  const context = await model.createEmbeddingContext({
    contextSize,
    threads: options.threads ?? Math.max(1, Math.min(4, availableParallelism() - 1)),
  });
  let queue: Promise<unknown> = Promise.resolve();

  const embedOne = async (text: string): Promise<Float32Array> => {
    // Leave room for BOS/EOS; truncating by tokens keeps long chunks from failing outright.
    const tokens = model.tokenize(text).slice(0, contextSize - 8);
    const embedding = await context.getEmbeddingFor(tokens);
    return toUnitLength(Float32Array.from(embedding.vector));
  };
  const embed = (texts: string[]): Promise<Float32Array[]> => {
    const run = queue.then(async () => {
      const vectors: Float32Array[] = [];
      for (const text of texts) vectors.push(await embedOne(text));
      return vectors;
    });
    queue = run.catch(() => undefined);
    return run;
  };

  const [probe] = await embed(['dimension probe']);
  return {
    name: options.name ?? `gguf:${path.basename(options.modelPath)}`,
    dimension: probe!.length,
    embed,
    close: async () => {
      await context.dispose();
      await model.dispose();
      await llama.dispose();
    },
  };
}
