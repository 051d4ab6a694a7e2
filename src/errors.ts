import type { ContentfulStatusCode } from 'hono/utils/http-status';

/** The single code → status table. Codes are stable API: clients branch on them. */
export const errorStatus = {
  bad_request: 400,
  validation_failed: 400,
  unauthorized: 401,
  invalid_signature: 401,
  stale_request: 401,
  replayed_request: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  /** The ticket has no way to reach its customer (no reply address): nothing can be sent. */
  customer_unreachable: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  internal_error: 500,
  service_unavailable: 503,
} as const satisfies Record<string, ContentfulStatusCode>;

export type ErrorCode = keyof typeof errorStatus;

export class AppError extends Error {
  readonly status: ContentfulStatusCode;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'AppError';
    this.status = errorStatus[code];
  }
}
