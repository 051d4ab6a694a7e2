import { z } from 'zod';
import { ModelSpecError } from '../../config/model-spec.js';
import { createLlamaGenerator } from './llama.js';
import { createOpenAICompatibleGenerator } from './openai.js';
import type { Generator } from './types.js';

// Model settings are parsed with the configuration (src/config/model-spec.ts).
export { ModelSpecError, parseModelSpec } from '../../config/model-spec.js';

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
    /**
     * Calls that may generate at the same time: `llama`, the context sequences; `openai`, the
     * requests in flight (the server's slots). Unset: 2 for `llama`, no limit for `openai`.
     */
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
        maxConcurrent: c.parallel,
        timeoutMs,
        name: c.name,
      });
  }
}
