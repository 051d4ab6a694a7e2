export { ModelLoadError, type ModelLoadFailure } from '../registry.js';
export {
  DEFAULT_GENERATOR_TIMEOUT_MS,
  type GeneratorConfig,
  generatorConfigSchema,
  generatorFromConfig,
  type ModelSpec,
  ModelSpecError,
  parseModelSpec,
} from './config.js';
export {
  GeneratorOutputError,
  GeneratorRequestError,
  type GeneratorRequestErrorCode,
} from './errors.js';
export { compileJsonSchema } from './json-output.js';
export { createLlamaGenerator, type LlamaGenerator, type LlamaGeneratorOptions } from './llama.js';
export {
  createInMemoryGenerator,
  type InMemoryGenerator,
  type ScriptedAnswer,
} from './memory.js';
export {
  createOpenAICompatibleGenerator,
  type OpenAICompatibleGeneratorOptions,
  parseRetryAfter,
} from './openai.js';
export type {
  ChatMessage,
  FinishReason,
  GenerateRequest,
  GenerateResult,
  Generator,
  JsonSchema,
} from './types.js';
