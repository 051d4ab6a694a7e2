import { setTimeout as delay } from 'node:timers/promises';
import { isSafeNumber, parse, stringify } from 'lossless-json';
import type { z } from 'zod';
import type { Logger } from '../../log.js';
import {
  ZendeskApiError,
  ZendeskConflictError,
  ZendeskNetworkError,
  ZendeskRateLimitError,
  type ZendeskRequestInfo,
} from './errors.js';

/*
 * The HTTP layer of the Zendesk client, built on Node's fetch rather than an SDK: owning it is
 * what lets us keep ids exact (lossless JSON both ways), honour Retry-After with a wait budget,
 * send Idempotency-Key, and guarantee request bodies (customer text) never reach a log or an error.
 * The operations (`client.ts`) say what to call; this says how a call is sent, waited and retried.
 */

export type ZendeskAuth =
  | { kind: 'token'; email: string; token: string }
  | { kind: 'oauth'; accessToken: string };

export interface ZendeskRetryPolicy {
  /** Retries after a 5xx, a timeout or a dropped connection. */
  maxRetries: number;
  /** Retries after a 429. */
  maxRateLimitRetries: number;
  /**
   * Upper bound on the time one call spends waiting between attempts. A Retry-After that would
   * cross it fails fast with ZendeskRateLimitError so the queue can reschedule the job instead of
   * holding a worker slot.
   */
  maxTotalWaitMs: number;
  /** Exponential backoff for 5xx/network failures: base · 2^n, capped, with jitter. */
  baseDelayMs: number;
  maxDelayMs: number;
}

export interface ZendeskHttpOptions {
  /** `acme` for https://acme.zendesk.com. Either this or `baseUrl`. */
  subdomain?: string;
  /** Overrides the subdomain URL (a proxy, or the local fake in tests). */
  baseUrl?: string;
  auth: ZendeskAuth;
  /** Per attempt, including reading the body. */
  timeoutMs?: number;
  retry?: Partial<ZendeskRetryPolicy>;
  logger?: Pick<Logger, 'warn'>;
  /** Injected for tests: waiting, the clock (for HTTP-date Retry-After) and jitter. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  now?: () => number;
  random?: () => number;
  fetch?: typeof fetch;
}

export const DEFAULT_RETRY_POLICY: ZendeskRetryPolicy = {
  maxRetries: 3,
  maxRateLimitRetries: 3,
  // Zendesk's per-minute limits reset within 60 s; waiting longer inside one call only ties up a
  // worker that the queue could give to another job.
  maxTotalWaitMs: 60_000,
  baseDelayMs: 500,
  maxDelayMs: 8_000,
};

export function zendeskAuthorizationHeader(auth: ZendeskAuth): string {
  if (auth.kind === 'oauth') return `Bearer ${auth.accessToken}`;
  return `Basic ${Buffer.from(`${auth.email}/token:${auth.token}`, 'utf8').toString('base64')}`;
}

/** Zendesk JSON with integers beyond 2^53 kept as digit strings instead of being rounded. */
export function parseZendeskResponse(raw: string): unknown {
  return parse(raw, null, (digits) => (isSafeNumber(digits) ? Number(digits) : digits));
}

/** One Zendesk account's HTTP connection: base URL, credentials, timeouts, retries, rate limit. */
export class ZendeskHttp {
  readonly baseUrl: URL;
  private readonly authorization: string;
  private readonly timeoutMs: number;
  private readonly retry: ZendeskRetryPolicy;
  private readonly logger: Pick<Logger, 'warn'> | undefined;
  private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  private readonly now: () => number;
  private readonly random: () => number;
  private readonly fetchImpl: typeof fetch;
  /**
   * Zendesk's limits are per account, and every call of this process shares them: after a 429
   * says "not before T", no call is sent before T. A call that cannot wait that long inside its
   * budget fails at once with the remaining time, without spending a request on a sure refusal.
   */
  private notBefore = 0;

  constructor(opts: ZendeskHttpOptions) {
    this.baseUrl = resolveBaseUrl(opts);
    this.authorization = zendeskAuthorizationHeader(opts.auth);
    this.timeoutMs = opts.timeoutMs ?? 15_000;
    this.retry = { ...DEFAULT_RETRY_POLICY, ...opts.retry };
    this.logger = opts.logger;
    this.sleep = opts.sleep ?? ((ms, signal) => delay(ms, undefined, { signal }));
    this.now = opts.now ?? Date.now;
    this.random = opts.random ?? Math.random;
    this.fetchImpl = opts.fetch ?? fetch;
  }

  /** Pagination links are absolute; only follow them to our own Zendesk, never with our token elsewhere. */
  sameOriginPath(link: string): string {
    const url = new URL(link, this.baseUrl);
    if (url.origin !== this.baseUrl.origin) {
      throw new ZendeskApiError(
        {
          status: 200,
          code: 'UnexpectedPaginationLink',
          description: `next page points to ${url.origin}`,
          body: null,
          zendeskRequestId: null,
          retryable: false,
        },
        { method: 'GET', path: url.pathname, attempts: 1 },
      );
    }
    return `${url.pathname}${url.search}`;
  }

  async request(spec: RequestSpec<never>): Promise<unknown> {
    const outcome = await this.send(spec);
    return 'resolved' in outcome ? outcome.resolved : outcome.body;
  }

  /**
   * One logical call: attempts, waits and retries. Resolves with Zendesk's parsed body, or with
   * what `resolveUncertain` found when an earlier attempt turned out to have landed.
   */
  async send<T>(
    spec: RequestSpec<T>,
  ): Promise<{ body: unknown; headers: Headers } | { resolved: T }> {
    const url = new URL(spec.path, this.baseUrl);
    const path = `${url.pathname}${url.search}`;
    const headers: Record<string, string> = {
      Accept: 'application/json',
      Authorization: this.authorization,
      'User-Agent': 'deskpilot-zendesk-client',
      ...spec.headers,
    };
    let payload: string | undefined;
    if (spec.body !== undefined) {
      payload = stringify(spec.body);
      headers['Content-Type'] = 'application/json; charset=utf-8';
    }

    let attempts = 0;
    let failureRetries = 0;
    let rateLimitRetries = 0;
    let waitedMs = 0;
    let uncertain = false;
    const info = (): ZendeskRequestInfo => ({ method: spec.method, path, attempts });
    const canResend = spec.idempotent || spec.resolveUncertain !== undefined;

    /** Waits unless the budget forbids it; returns false when the caller should give up. */
    const wait = async (ms: number, status: number | string): Promise<boolean> => {
      if (waitedMs + ms > this.retry.maxTotalWaitMs) return false;
      this.logger?.warn(
        { zendesk: { method: spec.method, path, status, attempt: attempts, delayMs: ms } },
        'zendesk call failed; retrying',
      );
      waitedMs += ms;
      await this.sleep(ms, spec.signal);
      return true;
    };
    /** After an uncertain failure: did the earlier attempt land after all? */
    const resolved = async (): Promise<{ resolved: T } | undefined> => {
      if (!spec.resolveUncertain) return undefined;
      const value = await spec.resolveUncertain();
      return value === undefined ? undefined : { resolved: value };
    };

    for (;;) {
      spec.signal?.throwIfAborted();
      // Before the first attempt only: later attempts of this call have waited out its own 429s.
      const blockedMs = attempts === 0 ? this.notBefore - this.now() : 0;
      if (blockedMs > 0 && !(await wait(blockedMs, 'rate limited'))) {
        throw new ZendeskRateLimitError(
          {
            status: 429,
            code: 'RateLimited',
            description: 'an earlier answer asked to wait (Retry-After)',
            body: null,
            zendeskRequestId: null,
            retryAfterMs: blockedMs,
          },
          info(),
        );
      }
      attempts++;
      const timeout = AbortSignal.timeout(this.timeoutMs);
      const signal = spec.signal ? AbortSignal.any([spec.signal, timeout]) : timeout;
      let response: Response;
      let text: string;
      try {
        response = await this.fetchImpl(url, {
          method: spec.method,
          headers,
          body: payload,
          signal,
          redirect: 'error',
        });
        text = await response.text();
      } catch (err) {
        if (spec.signal?.aborted) throw spec.signal.reason;
        const reason = timeout.aborted ? 'timeout' : 'network';
        if (!canResend || failureRetries >= this.retry.maxRetries) {
          throw new ZendeskNetworkError(reason, info(), err);
        }
        const backoff = this.backoff(failureRetries++);
        uncertain = true;
        if (!(await wait(backoff, reason))) throw new ZendeskNetworkError(reason, info(), err);
        const done = await resolved();
        if (done) return done;
        continue;
      }

      const body = parseBody(text);
      if (response.ok) return { body, headers: response.headers };

      const status = response.status;
      const errorInit = {
        status,
        ...errorFields(body),
        body,
        zendeskRequestId: response.headers.get('x-zendesk-request-id'),
        afterUncertainAttempt: uncertain,
      };
      const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'), this.now());

      if (status === 429) {
        // Zendesk rejects a rate-limited request before doing anything, so resending is always safe.
        if (retryAfterMs !== null) {
          this.notBefore = Math.max(this.notBefore, this.now() + retryAfterMs);
        }
        const waitMs = retryAfterMs ?? this.backoff(rateLimitRetries);
        if (rateLimitRetries >= this.retry.maxRateLimitRetries || !(await wait(waitMs, status))) {
          throw new ZendeskRateLimitError({ ...errorInit, retryAfterMs }, info());
        }
        rateLimitRetries++;
        continue;
      }
      if (status >= 500) {
        if (!canResend || failureRetries >= this.retry.maxRetries) {
          throw new ZendeskApiError(errorInit, info());
        }
        const waitMs = retryAfterMs ?? this.backoff(failureRetries);
        failureRetries++;
        uncertain = true;
        if (!(await wait(waitMs, status))) throw new ZendeskApiError(errorInit, info());
        const done = await resolved();
        if (done) return done;
        continue;
      }
      if (status === 409) throw new ZendeskConflictError(errorInit, info());
      throw new ZendeskApiError(errorInit, info());
    }
  }

  /** Exponential backoff with equal jitter: half fixed, half random, so retries spread out. */
  private backoff(retry: number): number {
    const cap = Math.min(this.retry.maxDelayMs, this.retry.baseDelayMs * 2 ** retry);
    return Math.round(cap / 2 + this.random() * (cap / 2));
  }
}

export interface RequestSpec<T> {
  method: 'GET' | 'PUT' | 'POST';
  /** Path (and query) relative to the base URL. */
  path: string;
  body?: unknown;
  headers?: Record<string, string>;
  /** Resending after an uncertain failure (5xx, timeout, reset) cannot cause a double effect. */
  idempotent: boolean;
  /** For non-idempotent requests: finds the effect of an earlier attempt, if it landed. */
  resolveUncertain?: () => Promise<T | undefined>;
  signal?: AbortSignal;
}

function resolveBaseUrl(opts: Pick<ZendeskHttpOptions, 'baseUrl' | 'subdomain'>): URL {
  if (opts.baseUrl) {
    const url = new URL(opts.baseUrl);
    if (url.protocol !== 'https:' && url.protocol !== 'http:') {
      throw new TypeError(`Zendesk base URL must be http(s): ${url.protocol}`);
    }
    if (url.username || url.password) {
      throw new TypeError('Zendesk base URL must not contain credentials; use auth instead');
    }
    return new URL(url.origin);
  }
  if (opts.subdomain && /^[a-z0-9][a-z0-9-]{0,62}$/i.test(opts.subdomain)) {
    return new URL(`https://${opts.subdomain}.zendesk.com`);
  }
  throw new TypeError(
    'Zendesk client needs a subdomain (letters, digits, dashes) or a baseUrl; set ZENDESK_SUBDOMAIN or ZENDESK_API_URL',
  );
}

/** Retry-After is seconds (what Zendesk sends) or an HTTP date. */
export function parseRetryAfter(value: string | null, now: number): number | null {
  if (!value) return null;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.ceil(Number(trimmed) * 1000);
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

function parseBody(text: string): unknown {
  if (text === '') return null;
  try {
    return parseZendeskResponse(text);
  } catch {
    // An HTML error page from a proxy or load balancer: keep a bounded excerpt for diagnosis.
    return text.slice(0, 1000);
  }
}

function errorFields(body: unknown): { code: string | null; description: string | null } {
  if (!body || typeof body !== 'object') return { code: null, description: null };
  const record = body as Record<string, unknown>;
  const error = record.error;
  if (typeof error === 'string') {
    return {
      code: error,
      description: typeof record.description === 'string' ? record.description : null,
    };
  }
  if (error && typeof error === 'object') {
    const nested = error as Record<string, unknown>;
    return {
      code: typeof nested.title === 'string' ? nested.title : null,
      description: typeof nested.message === 'string' ? nested.message : null,
    };
  }
  return { code: null, description: null };
}

export function parseWith<S extends z.ZodType>(
  schema: S,
  body: unknown,
  method: string,
  path: string,
): z.output<S> {
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  throw new ZendeskApiError(
    {
      status: 200,
      code: 'InvalidResponse',
      description: `unexpected response shape: ${parsed.error.issues
        .slice(0, 3)
        .map((i) => `${i.path.join('.')}: ${i.message}`)
        .join('; ')}`,
      body: null,
      zendeskRequestId: null,
      retryable: false,
    },
    { method, path, attempts: 1 },
  );
}
