export { ModelLoadError } from '../registry.js';
export {
  generatorFromConfig,
  ModelSpecError,
  parseModelSpec,
} from './config.js';
export {
  GeneratorOutputError,
  GeneratorRequestError,
} from './errors.js';
export { createLlamaGenerator } from './llama.js';
export { createInMemoryGenerator } from './memory.js';
export {
  createOpenAICompatibleGenerator,
  parseRetryAfter,
} from './openai.js';
export type { JsonSchema } from './types.js';
