import { once } from 'node:events';
import type { Config } from '../config/index.js';
import { createProducerConnection, redisTarget } from '../jobs/redis.js';
import { createLiveEvents, type LiveEvents } from '../live/events.js';
import { createLogger } from '../log.js';

/** How long a command waits for Redis before going on without telling open pages. */
const CONNECT_WAIT_MS = 2_000;

/**
 * The live events of the running API processes (Redis pub/sub on REDIS_URL and QUEUE_PREFIX), for
 * a command whose change must reach open pages at once (`users disable` ends that person's open
 * inbox streams). When Redis cannot be reached the change is still made, and said: the streams
 * then end at their next session check (within 25 s) instead of at once.
 */
export async function withLiveEvents<T>(
  config: Pick<Config, 'REDIS_URL' | 'REDIS_CLUSTER' | 'QUEUE_PREFIX'>,
  fn: (live: LiveEvents) => Promise<T>,
): Promise<T> {
  const publisher = createProducerConnection(redisTarget(config), { retryStrategy: () => null });
  publisher.on('error', () => {}); // Reported below, once, as what it means for the change.
  const ready = await Promise.race([
    once(publisher, 'ready').then(() => true),
    new Promise<false>((resolve) => setTimeout(() => resolve(false), CONNECT_WAIT_MS).unref()),
  ]).catch(() => false);
  if (!ready) {
    console.error(
      `Redis is not reachable at REDIS_URL: open inbox pages learn of this change at their next session check (within 25 s), not at once.`,
    );
  }
  const live = createLiveEvents({
    publisher,
    redis: redisTarget(config),
    prefix: config.QUEUE_PREFIX,
    log: createLogger('silent', 'cli'),
  });
  try {
    return await fn(live);
  } finally {
    await live.close();
    publisher.disconnect();
  }
}
