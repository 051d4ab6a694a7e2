import type { RedisConnection } from '../jobs/redis.js';
import { sha256Hex } from './secrets.js';

/**
 * Throttling of password sign-ins, counted in Redis so every api replica shares the counts.
 *
 * - Per client address: at most `perAddress` attempts per window, whatever the account, so one
 *   address cannot spray passwords over many accounts.
 * - Per (account, address): at most `perAccountAddress` failures per window.
 * - Per account, from anywhere: no lockout (anyone could lock any agent out by failing on
 *   purpose); past `slowAfter` failures every attempt on that account waits a little longer, up
 *   to `maxDelayMs`, which makes a distributed guess slow without denying the real user.
 *
 * Attempts are counted *before* the password is checked, in one MULTI, so parallel attempts cannot
 * all read "below the limit" and pass: each gets its own number from INCR. A success forgives the
 * (account, address) count and gives its address attempt back.
 *
 * When Redis is away the same limits are counted in this process's memory instead of letting every
 * attempt through: a replica then enforces them alone, which is weaker than shared counts but never
 * unlimited guessing. The local table is bounded, so an attacker cycling addresses cannot grow it.
 */
export interface LoginThrottleLimits {
  perAddress: number;
  perAccountAddress: number;
  slowAfter: number;
  windowSeconds: number;
  maxDelayMs: number;
}

export const DEFAULT_LOGIN_LIMITS: LoginThrottleLimits = {
  perAddress: 50,
  perAccountAddress: 10,
  slowAfter: 10,
  windowSeconds: 15 * 60,
  maxDelayMs: 5_000,
};

export type LoginAttempt =
  | { allowed: true; delayMs: number; keys: AttemptKeys }
  | { allowed: false; scope: 'address' | 'account-address'; retryAfterSeconds: number };

interface AttemptKeys {
  address: string;
  pair: string;
  account: string;
}

export interface LoginThrottle {
  /** Counts an attempt; refuses it when a limit is reached. Counts locally when Redis is away. */
  begin(email: string, address: string): Promise<LoginAttempt>;
  failed(keys: AttemptKeys): Promise<void>;
  succeeded(keys: AttemptKeys): Promise<void>;
}

// One script, so the two counts and the reads are a single atomic step (EXPIRE ... NX would need
// Redis 7; this works on any Redis with scripting).
const BEGIN_SCRIPT = `
local addr = redis.call('INCR', KEYS[1])
if addr == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
local pair = redis.call('INCR', KEYS[2])
if pair == 1 then redis.call('EXPIRE', KEYS[2], ARGV[1]) end
local acct = tonumber(redis.call('GET', KEYS[3]) or '0')
return {addr, pair, acct, redis.call('TTL', KEYS[1])}
`;

const FAILED_SCRIPT = `
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return n
`;

/** Fixed-window counters in memory, for when Redis does not answer. Oldest entries go first. */
function localCounters(maxEntries: number) {
  const counts = new Map<string, { n: number; until: number }>();
  const live = (key: string, now: number) => {
    const entry = counts.get(key);
    if (entry && entry.until > now) return entry;
    counts.delete(key);
    return undefined;
  };
  return {
    incr(key: string, windowSeconds: number, by = 1): { n: number; ttl: number } {
      const now = Date.now();
      let entry = live(key, now);
      if (!entry) {
        if (counts.size >= maxEntries) counts.delete(counts.keys().next().value as string);
        entry = { n: 0, until: now + windowSeconds * 1000 };
        counts.set(key, entry);
      }
      entry.n = Math.max(0, entry.n + by);
      return { n: entry.n, ttl: Math.ceil((entry.until - now) / 1000) };
    },
    get(key: string): number {
      return live(key, Date.now())?.n ?? 0;
    },
    del(key: string): void {
      counts.delete(key);
    },
  };
}

export function createLoginThrottle(
  redis: RedisConnection,
  prefix: string,
  limits: LoginThrottleLimits = DEFAULT_LOGIN_LIMITS,
  options: { localMaxEntries?: number; onRedisError?: (err: unknown) => void } = {},
): LoginThrottle {
  const local = localCounters(options.localMaxEntries ?? 100_000);
  const redisError = options.onRedisError ?? (() => {});
  // Names carry hashes only: neither the address nor the email becomes a Redis key name.
  const keysFor = (email: string, address: string): AttemptKeys => {
    const account = sha256Hex(email.trim().toLowerCase());
    const ip = sha256Hex(address);
    return {
      address: `${prefix}:login:addr:${ip}`,
      pair: `${prefix}:login:pair:${account}:${ip}`,
      account: `${prefix}:login:acct:${account}`,
    };
  };
  const window = limits.windowSeconds;

  return {
    async begin(email, address) {
      const keys = keysFor(email, address);
      let counts: number[] | null;
      try {
        counts = (
          (await redis.eval(
            BEGIN_SCRIPT,
            3,
            keys.address,
            keys.pair,
            keys.account,
            window,
          )) as unknown[]
        ).map(Number);
      } catch (err) {
        redisError(err);
        const addr = local.incr(keys.address, window);
        counts = [addr.n, local.incr(keys.pair, window).n, local.get(keys.account), addr.ttl];
      }
      const [addressCount = 0, pairCount = 0, accountFailures = 0, addressTtl = 0] = counts;
      if (addressCount > limits.perAddress) {
        return { allowed: false, scope: 'address', retryAfterSeconds: Math.max(1, addressTtl) };
      }
      if (pairCount > limits.perAccountAddress) {
        return { allowed: false, scope: 'account-address', retryAfterSeconds: window };
      }
      const over = accountFailures - limits.slowAfter;
      const delayMs = over <= 0 ? 0 : Math.min(limits.maxDelayMs, 250 * 2 ** Math.min(over, 10));
      return { allowed: true, delayMs, keys };
    },
    async failed(keys) {
      await redis.eval(FAILED_SCRIPT, 1, keys.account, window).catch((err: unknown) => {
        redisError(err);
        local.incr(keys.account, window);
      });
    },
    async succeeded(keys) {
      await redis
        .multi()
        .del(keys.pair)
        .decr(keys.address)
        .exec()
        .catch((err: unknown) => {
          redisError(err);
          local.del(keys.pair);
          local.incr(keys.address, window, -1);
        });
    },
  };
}
