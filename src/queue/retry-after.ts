import { ZendeskRateLimitError } from '../integrations/zendesk/errors.js';

/**
 * A rate limit is not a failure of the job: the service told us when it will take the call again
 * (Zendesk's own example answers `Retry-After: 93`). Such a job is delayed until then instead of
 * being retried on the exponential schedule, which would come back seconds later, be refused
 * again and burn its attempts; the delay does not use an attempt. Past this age a job stops
 * waiting and fails as usual, so a permanently throttled account ends in the dead-letter alert
 * instead of waiting forever.
 */
export const RATE_LIMIT_MAX_JOB_AGE_MS = 24 * 3600_000;

/** Small spread so jobs throttled together do not all come back in the same millisecond. */
const JITTER_MS = 1_000;

/** How long to delay a job that failed with `err`, or null when it is not a rate limit. */
export function rateLimitDelayMs(
  err: unknown,
  job: { timestamp: number },
  now: number,
  random: () => number = Math.random,
): number | null {
  const limit =
    err instanceof ZendeskRateLimitError
      ? err
      : err instanceof Error && err.cause instanceof ZendeskRateLimitError
        ? err.cause
        : null;
  if (!limit || limit.retryAfterMs === null) return null;
  if (now - job.timestamp > RATE_LIMIT_MAX_JOB_AGE_MS) return null;
  return limit.retryAfterMs + Math.round(random() * JITTER_MS);
}
