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
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      probe.connect().then(() => probe.ping()),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error('timeout')), timeoutMs);
      }),
    ]);
  } catch {
    throw Object.assign(new Error(`redis not reachable at ${url}`), { code: 'REDIS_UNREACHABLE' });
  } finally {
    clearTimeout(timer);
    probe.disconnect();
  }
}

/**
 * Why queued jobs would not survive a Redis restart, or null when they would (or Redis does not
 * say: managed services often disable CONFIG). Jobs the relay has handed to Redis are marked sent
 * in the outbox, so a Redis that restarts empty loses them; BullMQ also needs `noeviction`.
 */
export async function redisDurabilityProblem(redis: Redis): Promise<string | null> {
  let config: Record<string, string>;
  try {
    const pairs = (await redis.call('CONFIG', 'GET', '*')) as string[];
    config = {};
    for (let i = 0; i + 1 < pairs.length; i += 2) config[pairs[i]!] = pairs[i + 1]!;
  } catch {
    return null;
  }
  const problems: string[] = [];
  if (config.appendonly !== undefined && config.appendonly !== 'yes') {
    problems.push(
      'appendonly is off: queued jobs are lost if Redis restarts (set `appendonly yes`, as docker-compose.yml does)',
    );
  }
  const policy = config['maxmemory-policy'];
  if (policy !== undefined && policy !== 'noeviction') {
    problems.push(`maxmemory-policy is ${policy}: Redis may evict queued jobs (set noeviction)`);
  }
  return problems.length > 0 ? problems.join('; ') : null;
}
