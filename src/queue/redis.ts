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

/** Boot-time check with its own short-lived connection, so nothing else starts without Redis. */
export async function assertRedisReachable(url: string, timeoutMs = 5_000): Promise<void> {
  const probe = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  probe.on('error', () => {});
  try {
    await Promise.race([
      probe.connect().then(() => probe.ping()),
      new Promise((_, reject) => setTimeout(() => reject(new Error('timeout')), timeoutMs)),
    ]);
  } catch {
    throw Object.assign(new Error(`redis not reachable at ${url}`), { code: 'REDIS_UNREACHABLE' });
  } finally {
    probe.disconnect();
  }
}
