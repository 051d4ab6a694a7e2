import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { createLlamaGenerator } from './llama.js';
import { createOpenAICompatibleGenerator } from './openai.js';
import type { Generator } from './types.js';

/**
 * Where a generator's model lives, as parsed from one environment variable (`CLASSIFIER_LLM`,
 * `DRAFT_LLM`) and its companion model name (`*_LLM_MODEL`).
 */
export type ModelSpec =
  | { kind: 'none' }
  | { kind: 'llama'; path: string }
  | { kind: 'openai'; url: string; model: string };

/** A model setting that cannot work; the message names the variable and the accepted forms. */
export class ModelSpecError extends Error {
  override readonly name = 'ModelSpecError';
}

const NONE_VALUES = new Set(['', 'none', 'off', 'false', '0']);

/**
 * Parses a model setting:
 * - unset, empty, `none` or `off` → no model (the zero-download default path is used);
 * - a filesystem path ending in `.gguf` → in-process llama.cpp (`~/` is expanded);
 * - an `http(s)://` URL → an OpenAI-compatible server; `modelName` is then required. A URL without
 *   a path gets `/v1` appended, which is where vLLM, llama.cpp server and Ollama serve the API.
 *
 * `variable` (e.g. `DRAFT_LLM`) only makes error messages name the setting.
 */
export function parseModelSpec(value?: string, modelName?: string, variable = 'LLM'): ModelSpec {
  const trimmed = value?.trim() ?? '';
  if (NONE_VALUES.has(trimmed.toLowerCase())) return { kind: 'none' };
  const modelVariable = `${variable}_MODEL`;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed)) {
    let url: URL;
    try {
      url = new URL(trimmed);
    } catch {
      throw new ModelSpecError(`${variable}: ${JSON.stringify(trimmed)} is not a valid URL`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new ModelSpecError(
        `${variable}: unsupported scheme ${url.protocol} (expected http:// or https:// of an ` +
          'OpenAI-compatible server, or a path to a .gguf file)',
      );
    }
    if (url.username || url.password) {
      throw new ModelSpecError(
        `${variable}: do not put credentials in the URL; set ${variable}_API_KEY instead`,
      );
    }
    const model = modelName?.trim();
    if (!model) {
      throw new ModelSpecError(
        `${modelVariable} is required when ${variable} is a URL: the model name the server ` +
          'serves (vLLM: the --served-model-name; Ollama: e.g. qwen2.5:7b-instruct; llama.cpp ' +
          'server: any name)',
      );
    }
    if (url.pathname === '/' || url.pathname === '') url.pathname = '/v1';
    return { kind: 'openai', url: url.toString().replace(/\/+$/, ''), model };
  }
  if (/\.gguf$/i.test(trimmed)) {
    const expanded = trimmed.startsWith('~/') ? path.join(os.homedir(), trimmed.slice(2)) : trimmed;
    return { kind: 'llama', path: expanded };
  }
  throw new ModelSpecError(
    `${variable}: expected a path to a .gguf file (e.g. ./models/qwen2.5-1.5b-instruct-q4_k_m.gguf), ` +
      'an http(s):// URL of an OpenAI-compatible server (e.g. http://localhost:8000/v1), or ' +
      `"none"; got ${JSON.stringify(trimmed)}`,
  );
}

/** What `generatorFromConfig` accepts: a `ModelSpec` plus tuning, all validated here. */
export const generatorConfigSchema = z
  .object({
    kind: z.enum(['none', 'llama', 'openai']),
    /** `llama`: the .gguf file. */
    path: z.string().min(1).optional(),
    /** `openai`: base URL including `/v1`. */
    url: z.url({ protocol: /^https?$/ }).optional(),
    /** `openai`: the served model name. */
    model: z.string().min(1).optional(),
    apiKey: z.string().min(1).optional(),
    /** Tokens per call (prompt plus answer). */
    contextSize: z.number().int().min(256).optional(),
    /** `llama`: CPU threads per evaluation. */
    threads: z.number().int().min(1).optional(),
    /** `llama`: offload to a GPU when one is available. */
    gpu: z.boolean().optional(),
    /** `llama`: calls that may generate at the same time. */
    parallel: z.number().int().min(1).max(64).optional(),
    /** Default deadline per call; 120 s unless set. */
    timeoutMs: z.number().int().min(1).optional(),
    /** Recorded with every call instead of the derived name. */
    name: z.string().min(1).optional(),
  })
  .superRefine((config, ctx) => {
    if (config.kind === 'llama' && !config.path) {
      ctx.addIssue({ code: 'custom', path: ['path'], message: 'a .gguf path is required' });
    }
    if (config.kind === 'openai' && !config.url) {
      ctx.addIssue({ code: 'custom', path: ['url'], message: 'the server URL is required' });
    }
    if (config.kind === 'openai' && !config.model) {
      ctx.addIssue({ code: 'custom', path: ['model'], message: 'the model name is required' });
    }
  });

export type GeneratorConfig = z.input<typeof generatorConfigSchema>;

/** Long enough for a 7B model to draft a reply on CPU; short enough to free a stuck queue job. */
export const DEFAULT_GENERATOR_TIMEOUT_MS = 120_000;

/**
 * The configured generator, or null for `kind: 'none'` (callers then use the zero-download path).
 * Nothing is loaded here: call `load()` at boot to fail fast on a bad model file.
 */
export function generatorFromConfig(config: GeneratorConfig): Generator | null {
  const parsed = generatorConfigSchema.safeParse(config);
  if (!parsed.success) {
    throw new ModelSpecError(
      `invalid generator configuration: ${parsed.error.issues
        .map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`)
        .join('; ')}`,
    );
  }
  const c = parsed.data;
  const timeoutMs = c.timeoutMs ?? DEFAULT_GENERATOR_TIMEOUT_MS;
  switch (c.kind) {
    case 'none':
      return null;
    case 'llama':
      return createLlamaGenerator({
        modelPath: c.path!,
        contextSize: c.contextSize,
        threads: c.threads,
        gpu: c.gpu,
        parallel: c.parallel,
        timeoutMs,
        name: c.name,
      });
    case 'openai':
      return createOpenAICompatibleGenerator({
        baseUrl: c.url!,
        model: c.model!,
        apiKey: c.apiKey,
        contextSize: c.contextSize,
        timeoutMs,
        name: c.name,
      });
  }
}
