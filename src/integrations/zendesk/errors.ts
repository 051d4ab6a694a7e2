/**
 * Typed failures of the Zendesk client. `retryable` tells a queue processor whether a later retry
 * can succeed (rate limit, outage, timeout) or the job should fail for good (bad credentials,
 * missing ticket, validation error, edit conflict that needs a fresh read).
 *
 * Messages carry the method, path and Zendesk's error code, never a request body: request bodies
 * contain customer text.
 */

export interface ZendeskRequestInfo {
  method: string;
  /** Path and query only; no host, no credentials. */
  path: string;
  /** Attempts made, including the one that failed. */
  attempts: number;
}

export class ZendeskError extends Error {
  readonly retryable: boolean;
  readonly method: string;
  readonly path: string;
  readonly attempts: number;

  constructor(
    message: string,
    request: ZendeskRequestInfo,
    retryable: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ZendeskError';
    this.retryable = retryable;
    this.method = request.method;
    this.path = request.path;
    this.attempts = request.attempts;
  }
}

/** Zendesk answered with an error status (or an unusable body). */
export class ZendeskApiError extends ZendeskError {
  readonly status: number;
  /** Zendesk's `error` field, e.g. `RecordNotFound`, `RecordInvalid`, `UpdateConflict`. */
  readonly code: string | null;
  readonly description: string | null;
  /** Zendesk's response body, parsed when it was JSON. Never the request body. */
  readonly body: unknown;
  /** `X-Zendesk-Request-Id`, for support cases with Zendesk. */
  readonly zendeskRequestId: string | null;
  /**
   * An earlier attempt of this same request failed in a way that leaves open whether Zendesk
   * applied it (5xx, timeout, dropped connection).
   */
  readonly afterUncertainAttempt: boolean;

  constructor(
    init: {
      status: number;
      code: string | null;
      description: string | null;
      body: unknown;
      zendeskRequestId: string | null;
      afterUncertainAttempt?: boolean;
      retryable?: boolean;
    },
    request: ZendeskRequestInfo,
  ) {
    const what = [init.code, init.description].filter(Boolean).join(': ');
    super(
      `Zendesk ${request.method} ${request.path} failed with ${init.status}${what ? ` (${what})` : ''}` +
        (request.attempts > 1 ? ` after ${request.attempts} attempts` : ''),
      request,
      init.retryable ?? (init.status >= 500 || init.status === 429),
    );
    this.name = 'ZendeskApiError';
    this.status = init.status;
    this.code = init.code;
    this.description = init.description;
    this.body = init.body;
    this.zendeskRequestId = init.zendeskRequestId;
    this.afterUncertainAttempt = init.afterUncertainAttempt ?? false;
  }
}

/** 409: the ticket changed since the `updatedAt` we sent (safe update). Re-read and decide again. */
export class ZendeskConflictError extends ZendeskApiError {
  constructor(init: ConstructorParameters<typeof ZendeskApiError>[0], request: ZendeskRequestInfo) {
    super({ ...init, retryable: false }, request);
    this.name = 'ZendeskConflictError';
  }
}

/** 429 that outlasted the retry budget; `retryAfterMs` says when Zendesk will accept calls again. */
export class ZendeskRateLimitError extends ZendeskApiError {
  readonly retryAfterMs: number | null;

  constructor(
    init: ConstructorParameters<typeof ZendeskApiError>[0] & { retryAfterMs: number | null },
    request: ZendeskRequestInfo,
  ) {
    super({ ...init, retryable: true }, request);
    this.name = 'ZendeskRateLimitError';
    this.retryAfterMs = init.retryAfterMs;
  }
}

/** No usable HTTP response: connection refused or reset, DNS failure, or the per-attempt timeout. */
export class ZendeskNetworkError extends ZendeskError {
  readonly reason: 'timeout' | 'network';

  constructor(reason: 'timeout' | 'network', request: ZendeskRequestInfo, cause?: unknown) {
    super(
      `Zendesk ${request.method} ${request.path} ${reason === 'timeout' ? 'timed out' : 'could not be reached'}` +
        (request.attempts > 1 ? ` after ${request.attempts} attempts` : ''),
      request,
      true,
      { cause },
    );
    this.name = 'ZendeskNetworkError';
    this.reason = reason;
  }
}
