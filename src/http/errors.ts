import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { Logger } from 'pino';

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

export interface ErrorEnvelope {
  error: { code: ErrorCode; message: string; requestId: string };
}

/** Errors that mean "a dependency is down", not "this request is bad": answer 503 so senders retry. */
export function isUnavailableError(err: unknown): boolean {
  const seen = new Set<unknown>();
  let current: unknown = err;
  while (current && typeof current === 'object' && !seen.has(current)) {
    seen.add(current);
    const code = (current as { code?: unknown }).code;
    if (
      typeof code === 'string' &&
      [
        'ECONNREFUSED',
        'ECONNRESET',
        'ETIMEDOUT',
        'EPIPE',
        'CONNECT_TIMEOUT',
        'CONNECTION_CLOSED',
        'CONNECTION_ENDED',
        'CONNECTION_DESTROYED',
        '57P01', // admin_shutdown
        '57P02', // crash_shutdown
        '57P03', // cannot_connect_now
        '53300', // too_many_connections
      ].includes(code)
    ) {
      return true;
    }
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}

export function toAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  if (err instanceof HTTPException) {
    if (err.status === 413)
      return new AppError('payload_too_large', err.message || 'Body too large');
    if (err.status === 401) return new AppError('unauthorized', err.message || 'Unauthorized');
    if (err.status === 400) return new AppError('bad_request', err.message || 'Bad request');
  }
  if (isUnavailableError(err)) {
    return new AppError('service_unavailable', 'A backing service is unavailable; retry later', {
      'Retry-After': '5',
    });
  }
  return new AppError('internal_error', 'Internal error');
}

export function errorResponse(c: Context, err: AppError) {
  const requestId = (c.get('requestId' as never) as string | undefined) ?? 'unknown';
  for (const [k, v] of Object.entries(err.headers)) c.header(k, v);
  const body: ErrorEnvelope = { error: { code: err.code, message: err.message, requestId } };
  return c.json(body, err.status);
}

/** One onError for the whole app: 5xx are logged (without request bodies), 4xx are not. */
export function createErrorHandler(log: Logger) {
  return (err: Error, c: Context) => {
    const appError = toAppError(err);
    if (appError.status >= 500) {
      log.error(
        { err, requestId: c.get('requestId' as never), path: c.req.path },
        'request failed',
      );
    }
    return errorResponse(c, appError);
  };
}

/** Formats zod issues as "field.path: message" so a 400 names the offending field. */
export function describeIssues(
  issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string }>,
): string {
  return issues
    .slice(0, 5)
    .map((i) => `${i.path.length ? i.path.map(String).join('.') : '(body)'}: ${i.message}`)
    .join('; ');
}
