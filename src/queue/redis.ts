import { Redis, type RedisOptions } from 'ioredis';

/**
 * Producers fail fast: an enqueue while Redis is down must error immediately (the outbox keeps the
 * job and the relay retries), not sit in an in-memory queue that a crash would lose.
 */
export function createProducerConnection(url: string, extra: RedisOptions = {}): Redis {
  return new Redis(url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 2_000,
    // Keep reconnecting in the background so the relay recovers when Redis returns.
    retryStrategy: (times) => Math.min(times * 200, 2_000),
    ...extra,
  });
}

/** Workers block on Redis and must reconnect forever (BullMQ requires maxRetriesPerRequest null). */
export function createWorkerConnection(url: string, extra: RedisOptions = {}): Redis {
  return new Redis(url, {
    maxRetriesPerRequest: null,
    enableOfflineQueue: true,
    retryStrategy: (times) => Math.min(times * 200, 5_000),
    ...extra,
  });
}

/** Resolves once the connection is ready; rejects after `timeoutMs` (used at boot only). */
export function waitForRedis(redis: Redis, timeoutMs: number): Promise<void> {
  if (redis.status === 'ready') return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      redis.off('ready', onReady);
      reject(
        Object.assign(new Error(`redis not reachable after ${timeoutMs} ms`), {
          code: 'REDIS_UNREACHABLE',
        }),
      );
    }, timeoutMs);
    const onReady = () => {
      clearTimeout(timer);
      resolve();
    };
    redis.once('ready', onReady);
  });
}
