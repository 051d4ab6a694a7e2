import type { GenerateResult } from './types.js';

/**
 * The model answered, but not with what was asked for: JSON that does not parse, or parses but
 * does not match the schema. `result` keeps the raw text and token counts for the audit log; a
 * retry (perhaps with another prompt) may succeed, so queue jobs can treat it as retryable.
 */
export class GeneratorOutputError extends Error {
  override readonly name = 'GeneratorOutputError';
  constructor(
    readonly reason: 'invalid_json' | 'schema_mismatch',
    readonly result: GenerateResult,
    readonly issues: string[],
  ) {
    super(
      `${result.model} returned ${reason === 'invalid_json' ? 'output that is not valid JSON' : 'JSON that does not match the schema'}` +
        `${result.finishReason === 'length' ? ' (cut off at maxTokens)' : ''}: ${issues.join('; ')}`,
    );
  }
}

export type GeneratorRequestErrorCode =
  /** Prompt alone fills the context; shorten it (fewer passages) or configure a larger context. */
  | 'prompt_too_long'
  /** The JSON schema uses something the grammar compiler or validator cannot handle. */
  | 'unsupported_schema'
  /** `close()` was called. */
  | 'closed'
  /** The server answered with an error status (after retries, when the status was retryable). */
  | 'http'
  /** The server could not be reached (after retries). */
  | 'network'
  /** The server answered 2xx with a body that is not an OpenAI-style chat completion. */
  | 'bad_response';

/** The call could not be made or completed; `retryable` says whether trying later may help. */
export class GeneratorRequestError extends Error {
  override readonly name = 'GeneratorRequestError';
  constructor(
    readonly code: GeneratorRequestErrorCode,
    message: string,
    readonly options: { status?: number; retryable?: boolean; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
  }
  get status(): number | undefined {
    return this.options.status;
  }
  get retryable(): boolean {
    return this.options.retryable ?? false;
  }
}
