import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { Logger } from 'pino';
import { AppError, type ErrorCode } from '../errors.js';

// The error vocabulary lives below every layer (intake throws it too); HTTP renders it.
export { AppError, type ErrorCode } from '../errors.js';

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

/**
 * Renders an error for a request the API envelope is not meant for (a browser page); null leaves
 * the envelope. Injected so this module stays below the UI.
 */
export type ErrorPage = (
  c: Context,
  err: AppError,
  requestId: string,
) => Response | Promise<Response> | null;

export function errorResponse(c: Context, err: AppError, page?: ErrorPage) {
  const requestId = (c.get('requestId' as never) as string | undefined) ?? 'unknown';
  for (const [k, v] of Object.entries(err.headers)) c.header(k, v);
  const rendered = page?.(c, err, requestId);
  if (rendered) return rendered;
  const body: ErrorEnvelope = { error: { code: err.code, message: err.message, requestId } };
  return c.json(body, err.status);
}

/** One onError for the whole app: 5xx are logged (without request bodies), 4xx are not. */
export function createErrorHandler(log: Logger, page?: ErrorPage) {
  return (err: Error, c: Context) => {
    const appError = toAppError(err);
    if (appError.status >= 500) {
      log.error(
        { err, requestId: c.get('requestId' as never), path: c.req.path },
        'request failed',
      );
    }
    return errorResponse(c, appError, page);
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
