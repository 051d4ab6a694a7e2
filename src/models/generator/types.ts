/**
 * Text generation behind one small interface, so triage (zero/few-shot classification with a JSON
 * schema) and drafting (grounded replies) do not care whether the model runs in-process
 * (node-llama-cpp) or on the customer's inference server (vLLM, llama.cpp server, Ollama).
 */

/**
 * A JSON Schema (the subset both llama.cpp grammars and OpenAI-style `response_format` support:
 * `type`, `properties`, `required`, `items`, `enum`, `const`, `oneOf`/`anyOf`, `$defs`/`$ref`,
 * `minItems`/`maxItems`, string `format`s such as `date-time`). Kept as a plain object type: the
 * schema is data that travels to the model and to the server unchanged.
 */
export type JsonSchema = { readonly [keyword: string]: unknown };

export interface ChatMessage {
  role: 'user' | 'assistant';
  content: string;
}

export interface GenerateRequest {
  /** Instructions placed in the model's system slot (or its equivalent for template-less models). */
  system?: string;
  /** The conversation so far; the last message is normally the user's. */
  messages: ChatMessage[];
  /** Upper bound on generated tokens; generation stops with finishReason `length` there. */
  maxTokens: number;
  /** 0 (the default) picks the most likely token every time: reproducible, auditable output. */
  temperature?: number;
  /**
   * Constrain the output to JSON matching this schema. The result then carries `json` (parsed and
   * validated against the schema); output that does not parse or validate raises
   * `GeneratorOutputError`.
   */
  jsonSchema?: JsonSchema;
  /** Cancels the call: the result has finishReason `aborted` and whatever text was produced. */
  signal?: AbortSignal;
  /**
   * Deadline for the whole call (waiting for a free slot, retries and generation included); when it
   * passes the result has finishReason `timeout`. Defaults to the generator's configured timeout.
   */
  timeoutMs?: number;
  /** Stop as soon as the output contains one of these strings (the string itself is not returned). */
  stop?: string[];
  /**
   * Streams the answer: called with each piece of text as it is generated, in order (their
   * concatenation is the text so far). The result still carries the whole text. A remote server
   * is asked for server-sent events (`stream: true`) only when this is set.
   */
  onText?: (chunk: string) => void;
}

export type FinishReason = 'stop' | 'length' | 'timeout' | 'aborted';

export interface GenerateResult {
  text: string;
  /** Present when `jsonSchema` was given and generation finished (`stop` or `length`). */
  json?: unknown;
  /** The generator's `name`, recorded with every model call for auditing. */
  model: string;
  promptTokens: number;
  completionTokens: number;
  latencyMs: number;
  /**
   * `stop`: the model ended its answer (or hit a stop string); `length`: `maxTokens` or the context
   * ran out; `timeout`/`aborted`: cut short by the deadline or the caller's signal (`json` is then
   * absent, `text` holds what was produced so far).
   */
  finishReason: FinishReason;
}

export interface Generator {
  /** Stable identifier stored with every model call, e.g. `gguf:qwen2.5-7b-instruct-q4_k_m.gguf`. */
  readonly name: string;
  /** Tokens one call can hold (prompt plus answer). */
  readonly contextSize: number;
  /**
   * Prepare the model now instead of on first use (loads the GGUF file; a no-op for remote
   * servers). Call it at boot to fail fast with `ModelLoadError`.
   */
  load(): Promise<void>;
  generate(request: GenerateRequest): Promise<GenerateResult>;
  /** Tokens `text` takes in this model's vocabulary (an estimate for remote servers). */
  countTokens(text: string): Promise<number>;
  /** Releases the model; later calls fail. Idempotent. */
  close(): Promise<void>;
}
