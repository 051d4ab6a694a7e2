import { isIP } from 'node:net';
import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context, Env, MiddlewareHandler } from 'hono';
import {
  type ClientRateLimitInfo,
  type RateLimitInfo,
  type RedisClient,
  RedisStore,
  rateLimiter,
  type Store,
} from 'hono-rate-limiter';
import type { Logger } from 'pino';
import { sha256Hex } from '../../auth/secrets.js';
import type { Config } from '../../config/index.js';
import type { Deps } from '../../deps.js';
import type { RedisConnection } from '../../jobs/redis.js';
import type { AppEnv } from '../context.js';
import { AppError } from '../errors.js';

/**
 * Rate limits on /api/* and /webhooks/*, counted in Redis so every api replica shares one budget.
 *
 * A request is counted against exactly one bucket: its API key (by key id, never the key) when it
 * presents a valid one, else its client IP. A presented key that is not known yet is verified only
 * after a look at the IP's bucket, so a flood of made-up keys from one address is refused before
 * any of them costs a scrypt verification.
 *
 * Redis trouble never blocks traffic: intake must keep accepting tickets with Redis down (the
 * outbox holds the work), so the store fails open, with a warning in the log.
 */

export type RateLimitSurface = 'api' | 'webhooks';
type Subject = { kind: 'key' | 'ip'; id: string };

type RateLimitDeps = Pick<Deps, 'config' | 'redis' | 'apiKeys' | 'log'>;

// A rate-limit check is on every request's path; if Redis answers slower than this, the request
// goes through uncounted rather than waiting. Round trips are well under a millisecond, but a busy
// event loop (a model call, embedded PGlite) delays every timer, so the margin is generous.
const REDIS_TIMEOUT_MS = 1_000;
// Warn about an unavailable store once per interval, not once per request.
const WARN_INTERVAL_MS = 60_000;
// How long a verified key stays known to the limiter (the verifier caches for the same time).
const KNOWN_KEY_TTL_MS = 60_000;
const KNOWN_KEY_MAX = 10_000;

/** ioredis speaks the store's small client interface with a different argument layout. */
export function ioredisRateLimitClient(redis: RedisConnection): RedisClient {
  return {
    scriptLoad: (script) => redis.script('LOAD', script) as Promise<string>,
    evalsha: <TArgs extends unknown[], TData = unknown>(
      sha1: string,
      keys: string[],
      args: TArgs,
    ) => redis.evalsha(sha1, keys.length, ...keys, ...args.map((a) => String(a))) as Promise<TData>,
    decr: (key) => redis.decr(key),
    del: (key) => redis.del(key),
  };
}

type Guard = <T>(op: string, run: () => T | Promise<T>, fallback: T) => Promise<T>;

/** Runs a store operation; an error or a slow answer yields the fallback, with a warning. */
function guarded(log: Logger, label: string, timeoutMs = REDIS_TIMEOUT_MS): Guard {
  let lastWarning = 0;
  return async (op, run, fallback) => {
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        Promise.resolve().then(run),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no answer in ${timeoutMs} ms`)), timeoutMs);
        }),
      ]);
    } catch (err) {
      if (Date.now() - lastWarning > WARN_INTERVAL_MS) {
        lastWarning = Date.now();
        log.warn(
          { store: label, op, err: err instanceof Error ? err.message : String(err) },
          'rate limit store unavailable; requests pass unthrottled',
        );
      }
      return fallback;
    } finally {
      clearTimeout(timer);
    }
  };
}

/** Wraps a store so that an error or a slow answer lets the request through (logged). */
export function failOpen<E extends Env>(inner: Store<E>, guard: Guard): Store<E> {
  const uncounted: ClientRateLimitInfo = { totalHits: 0, resetTime: undefined };
  return {
    prefix: inner.prefix,
    init: (options) => inner.init?.(options),
    get: (key) => guard('get', () => inner.get?.(key), undefined),
    increment: (key) => guard('increment', () => inner.increment(key), uncounted),
    decrement: (key) => guard('decrement', () => inner.decrement(key), undefined),
    resetKey: (key) => guard('resetKey', () => inner.resetKey(key), undefined),
  };
}

/**
 * The client address: the socket peer, or with TRUST_PROXY = n (reverse proxies in front of
 * Deskpilot) the n-th X-Forwarded-For entry from the right, the one our outermost proxy wrote.
 * Entries further left are whatever the client claimed and are never trusted.
 */
export function clientIp(c: Context, trustedProxies: number): string {
  if (trustedProxies > 0) {
    const hops = (c.req.header('x-forwarded-for') ?? '')
      .split(',')
      .map((h) => h.trim())
      .filter(Boolean);
    const candidate = hops[Math.max(0, hops.length - trustedProxies)];
    if (candidate && isIP(normalizeIp(candidate))) return bucketIp(normalizeIp(candidate));
  }
  try {
    const address = getConnInfo(c).remote.address;
    if (address) return bucketIp(normalizeIp(address));
  } catch {
    // No socket (in-process requests): every such request shares one bucket.
  }
  return 'unknown';
}

function normalizeIp(address: string): string {
  const v4mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return v4mapped ? v4mapped[1]! : address.replace(/^\[|\]$/g, '');
}

/** IPv6 hosts usually own a whole /64, so IPv6 clients are counted per /64. */
function bucketIp(address: string): string {
  if (isIP(address) !== 6) return address;
  const [head = '', tail = ''] = address.toLowerCase().split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = address.includes('::')
    ? [...left, ...Array(8 - left.length - right.length).fill('0'), ...right]
    : left;
  return `${groups
    .slice(0, 4)
    .map((g) => Number.parseInt(g, 16).toString(16))
    .join(':')}::/64`;
}

function presentedKey(c: Context): string | null {
  const auth = /^Bearer\s+(\S+)$/i.exec(c.req.header('authorization')?.trim() ?? '');
  return auth?.[1] ?? c.req.header('x-api-key') ?? null;
}

function limitsFor(config: Config, surface: RateLimitSurface) {
  return surface === 'api'
    ? { key: config.RATE_LIMIT_API_PER_KEY, ip: config.RATE_LIMIT_API_PER_IP }
    : { key: config.RATE_LIMIT_WEBHOOKS_PER_KEY, ip: config.RATE_LIMIT_WEBHOOKS_PER_IP };
}

/** Builds the limiter for one surface; mount it on the surface's path before its routes. */
export function rateLimit(
  deps: RateLimitDeps,
  surface: RateLimitSurface,
): MiddlewareHandler<AppEnv> {
  const { config, log } = deps;
  const limits = limitsFor(config, surface);
  if (limits.key === 0 && limits.ip === 0) return (_c, next) => next();
  const windowMs = config.RATE_LIMIT_WINDOW_SECONDS * 1000;
  const prefix = `${config.QUEUE_PREFIX}:ratelimit:${surface}:`;
  const guard = guarded(log, `ratelimit:${surface}`);
  const store = failOpen<AppEnv>(
    new RedisStore<AppEnv>({ client: ioredisRateLimitClient(deps.redis), prefix }),
    guard,
  );
  const subjects = new WeakMap<Context, Subject>();
  const knownKeys = new Map<string, { keyId: string; expires: number }>();

  const limiterFor = (kind: Subject['kind'], limit: number) =>
    rateLimiter<AppEnv>({
      windowMs,
      limit,
      store,
      standardHeaders: 'draft-6',
      keyGenerator: (c) => {
        const subject = subjects.get(c)!;
        return `${subject.kind}:${subject.id}`;
      },
      handler: (c) => {
        const info = c.get('rateLimit' as never) as RateLimitInfo | undefined;
        const seconds = Math.max(
          1,
          Math.ceil(((info?.resetTime?.getTime() ?? Date.now() + windowMs) - Date.now()) / 1000),
        );
        throw new AppError(
          'rate_limited',
          `Too many requests: at most ${limit} per ${config.RATE_LIMIT_WINDOW_SECONDS} s per ${
            kind === 'key' ? 'API key' : 'client address'
          }; retry in ${seconds} s`,
          { 'Retry-After': String(seconds) },
        );
      },
    });
  const byKey = limiterFor('key', limits.key);
  const byIp = limiterFor('ip', limits.ip);

  /**
   * The key id of a presented key, verifying it unless this address has already presented too
   * many keys that failed. Failed keys have their own counter per address, apart from the
   * address's request budget: requests without a key (or with bad ones) use up only that, and a
   * valid key from the same address is still verified and counted against its own budget.
   */
  async function keyIdOf(key: string, ip: string): Promise<string | null> {
    const digest = sha256Hex(key);
    const known = knownKeys.get(digest);
    if (known && known.expires > Date.now()) return known.keyId;
    const badKeys = `${prefix}badkey:${ip}`;
    if (limits.ip > 0) {
      const failed = await guard('get', () => deps.redis.get(badKeys), null);
      if (Number(failed ?? 0) >= limits.ip) return null;
    }
    const principal = await deps.apiKeys.verify(key).catch(() => null);
    if (!principal) {
      if (limits.ip > 0) {
        await guard(
          'incr',
          () =>
            deps.redis
              .multi()
              .incr(badKeys)
              .expire(badKeys, config.RATE_LIMIT_WINDOW_SECONDS)
              .exec(),
          null,
        );
      }
      return null;
    }
    if (knownKeys.size >= KNOWN_KEY_MAX) knownKeys.clear();
    knownKeys.set(digest, { keyId: principal.id, expires: Date.now() + KNOWN_KEY_TTL_MS });
    return principal.id;
  }

  return async (c, next) => {
    const ip = clientIp(c, config.TRUST_PROXY);
    const key = presentedKey(c);
    const keyId = key ? await keyIdOf(key, ip) : null;
    const subject: Subject = keyId ? { kind: 'key', id: keyId } : { kind: 'ip', id: ip };
    if ((subject.kind === 'key' ? limits.key : limits.ip) === 0) return next();
    subjects.set(c, subject);
    await (subject.kind === 'key' ? byKey : byIp)(c, next);
  };
}
