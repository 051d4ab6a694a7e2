import { open, realpath, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Llama, LlamaModel } from 'node-llama-cpp';
import { importNodeLlamaCpp } from './optional.js';

/**
 * Per-process cache of llama.cpp runtimes and loaded GGUF models. A 7B model is gigabytes of
 * memory, so every generator (and embedder) that names the same file shares one loaded instance;
 * callers hold a lease and the model is freed when the last lease is released. Nothing is loaded
 * at import time: node-llama-cpp itself is imported on first use.
 */

export type ModelLoadFailure =
  /** No file at the path. */
  | 'not_found'
  /** The path is a directory or something else that is not a regular file. */
  | 'not_a_file'
  /** The file is not GGUF (wrong magic bytes, or too short to hold a header). */
  | 'not_gguf'
  /** GGUF header present, but llama.cpp could not load it (truncated download, unknown arch…). */
  | 'corrupt'
  /** The llama.cpp runtime itself could not start (no prebuilt binary for this platform). */
  | 'runtime';

/** A model file could not be loaded; the message names the file and what to do about it. */
export class ModelLoadError extends Error {
  override readonly name = 'ModelLoadError';
  constructor(
    readonly modelPath: string,
    readonly reason: ModelLoadFailure,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export interface LlamaRuntimeOptions {
  /**
   * Use a GPU (Metal, CUDA or Vulkan prebuilt binaries) when one is available. Off by default: the
   * product must run on plain CPU servers, and probing GPUs costs start-up time.
   */
  gpu?: boolean;
}

interface RuntimeEntry {
  llama: Promise<Llama>;
  /** Recent llama.cpp error lines, quoted in load errors (its own messages are the useful ones). */
  recentErrors: string[];
}

interface ModelEntry {
  model: Promise<LlamaModel>;
  leases: number;
}

const runtimes = new Map<'cpu' | 'gpu', RuntimeEntry>();
const models = new Map<string, ModelEntry>();

function runtimeEntry(options: LlamaRuntimeOptions): RuntimeEntry {
  const key = options.gpu ? 'gpu' : 'cpu';
  let entry = runtimes.get(key);
  if (entry) return entry;
  const recentErrors: string[] = [];
  const llama = (async () => {
    const { getLlama, LlamaLogLevel } = await importNodeLlamaCpp();
    return getLlama({
      gpu: options.gpu ? 'auto' : false,
      // Only the prebuilt binaries shipped in node_modules: building or downloading llama.cpp at
      // run time would reach the network, which a self-hosted install must never do implicitly.
      build: 'never',
      skipDownload: true,
      progressLogs: false,
      // node-llama-cpp defaults to max(cores, 4) threads; on a 2-core box that oversubscribes the
      // CPU and llama.cpp's spinning workers then slow generation by orders of magnitude.
      maxThreads: os.availableParallelism(),
      logLevel: LlamaLogLevel.warn,
      logger: (level, message) => {
        const line = message.trim();
        if (!line) return;
        if (level === LlamaLogLevel.error || level === LlamaLogLevel.fatal) {
          recentErrors.push(line);
          if (recentErrors.length > 8) recentErrors.shift();
        }
        if (level === LlamaLogLevel.warn && !/error/i.test(line)) return;
        console.error(`[llama.cpp] ${line}`);
      },
    });
  })();
  entry = { llama, recentErrors };
  runtimes.set(key, entry);
  // A failed start is not cached, so fixing the installation and retrying works in-process.
  llama.catch(() => {
    if (runtimes.get(key) === entry) runtimes.delete(key);
  });
  return entry;
}

/** The shared llama.cpp runtime (one per process and GPU mode). */
export async function getLlamaRuntime(options: LlamaRuntimeOptions = {}): Promise<Llama> {
  try {
    return await runtimeEntry(options).llama;
  } catch (err) {
    throw new ModelLoadError(
      '',
      'runtime',
      `the llama.cpp runtime could not start: ${errorText(err)}. node-llama-cpp ships prebuilt ` +
        'binaries for linux/macOS/windows on x64 and arm64; reinstall dependencies (npm ci) on this ' +
        'platform.',
      { cause: err },
    );
  }
}

export interface ModelLease {
  readonly llama: Llama;
  readonly model: LlamaModel;
  /** The resolved file the model was loaded from (symlinks resolved). */
  readonly modelPath: string;
  /** Give the lease back; the model is freed when no lease is left. Idempotent. */
  release(): Promise<void>;
}

/**
 * A lease on the model in `modelPath`, loading it if no one holds it yet. Files are checked
 * before llama.cpp sees them: a file with a GGUF magic but a garbage header makes node-llama-cpp's
 * metadata reader wait forever instead of failing.
 */
export async function acquireLlamaModel(
  modelPath: string,
  options: LlamaRuntimeOptions = {},
): Promise<ModelLease> {
  const resolved = await assertGgufFile(modelPath);
  const key = `${options.gpu ? 'gpu' : 'cpu'}:${resolved}`;
  let entry = models.get(key);
  if (!entry) {
    const created: ModelEntry = { model: loadModel(resolved, options), leases: 0 };
    models.set(key, created);
    created.model.catch(() => {
      if (models.get(key) === created) models.delete(key);
    });
    entry = created;
  }
  entry.leases += 1;
  let model: LlamaModel;
  try {
    model = await entry.model;
  } catch (err) {
    entry.leases -= 1;
    throw err;
  }
  const llama = await getLlamaRuntime(options);
  const held = entry;
  let released = false;
  return {
    llama,
    model,
    modelPath: resolved,
    release: async () => {
      if (released) return;
      released = true;
      held.leases -= 1;
      if (held.leases > 0) return;
      if (models.get(key) === held) models.delete(key);
      if (!model.disposed) await model.dispose();
    },
  };
}

async function loadModel(resolved: string, options: LlamaRuntimeOptions): Promise<LlamaModel> {
  const runtime = runtimeEntry(options);
  const llama = await getLlamaRuntime(options);
  const errorsBefore = runtime.recentErrors.length;
  try {
    return await llama.loadModel({ modelPath: resolved });
  } catch (err) {
    // llama.cpp's log lines cross from its thread on a later turn of the event loop.
    await new Promise((resolve) => setTimeout(resolve, 20));
    const native = runtime.recentErrors.slice(errorsBefore).join(' / ');
    throw new ModelLoadError(
      resolved,
      'corrupt',
      `cannot load model ${resolved}: ${errorText(err)}${native ? ` (llama.cpp: ${native})` : ''}. ` +
        'The file may be truncated (re-run `models pull`, which verifies checksums) or use an ' +
        'architecture this llama.cpp build does not know.',
      { cause: err },
    );
  }
}

const GGUF_MAGIC = 'GGUF';
// Generous sanity bounds: the largest published GGUF models have a few thousand tensors and a
// few hundred metadata keys; garbage read as uint64 is astronomically larger.
const MAX_TENSORS = 1_000_000;
const MAX_METADATA_KEYS = 1_000_000;

/**
 * Checks that `modelPath` is a regular file with a plausible GGUF header and returns its real
 * path; throws `ModelLoadError` otherwise.
 */
export async function assertGgufFile(modelPath: string): Promise<string> {
  const absolute = path.resolve(modelPath);
  let info: Awaited<ReturnType<typeof stat>>;
  try {
    info = await stat(absolute);
  } catch (err) {
    throw new ModelLoadError(
      absolute,
      'not_found',
      `model file not found: ${absolute}. Download it with \`npm run -s cli -- models pull\` or ` +
        'fix the configured path.',
      { cause: err },
    );
  }
  if (!info.isFile()) {
    throw new ModelLoadError(
      absolute,
      'not_a_file',
      `model path is not a file: ${absolute} (expected a .gguf file)`,
    );
  }
  const header = Buffer.alloc(24);
  const handle = await open(absolute, 'r');
  let bytesRead: number;
  try {
    ({ bytesRead } = await handle.read(header, 0, header.length, 0));
  } finally {
    await handle.close();
  }
  const magic = header.subarray(0, 4).toString('latin1');
  if (bytesRead < header.length || magic !== GGUF_MAGIC) {
    throw new ModelLoadError(
      absolute,
      'not_gguf',
      `${absolute} is not a GGUF model file (${bytesRead < 4 ? 'file too short' : `starts with ${JSON.stringify(magic)}, expected "GGUF"`}). ` +
        'Configure a .gguf file such as those `models pull` downloads.',
    );
  }
  const version = header.readUInt32LE(4);
  const tensors = header.readBigUInt64LE(8);
  const keys = header.readBigUInt64LE(16);
  if (version < 1 || version > 3 || tensors > MAX_TENSORS || keys > MAX_METADATA_KEYS) {
    throw new ModelLoadError(
      absolute,
      'corrupt',
      `${absolute} has a damaged GGUF header (version ${version}, ${tensors} tensors, ${keys} ` +
        'metadata keys); download the file again.',
    );
  }
  return realpath(absolute);
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
