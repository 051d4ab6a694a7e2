import { Cluster, Redis, type RedisOptions } from 'ioredis';

/**
 * A connection to one Redis, or to a Redis Cluster (REDIS_CLUSTER): BullMQ, pub/sub and the
 * commands Deskpilot sends work on both. On a cluster every key of one queue must hash to the
 * same slot, which QUEUE_PREFIX's hash tag (`{deskpilot}`) guarantees (checked at boot).
 */
export type RedisConnection = Redis | Cluster;

/** Where Redis is: REDIS_URL, and whether it is a node of a cluster (the others are discovered). */
export interface RedisTarget {
  url: string;
  cluster?: boolean;
}

/** REDIS_URL and REDIS_CLUSTER, as the connections take them. */
export function redisTarget(config: { REDIS_URL: string; REDIS_CLUSTER: boolean }): RedisTarget {
  return { url: config.REDIS_URL, cluster: config.REDIS_CLUSTER };
}

/** How long a cluster client waits for CLUSTER SLOTS before trying the next node (see connect). */
const CLUSTER_SLOTS_REFRESH_TIMEOUT_MS = 10_000;

function connect(target: RedisTarget | string, options: RedisOptions): RedisConnection {
  const { url, cluster } = typeof target === 'string' ? { url: target, cluster: false } : target;
  if (!cluster) return new Redis(url, options);
  const seed = new URL(url);
  const { retryStrategy, ...perNode } = options;
  return new Cluster([{ host: seed.hostname, port: Number(seed.port || 6379) }], {
    // Per-node settings (credentials, TLS, timeouts) for every node the cluster reports.
    redisOptions: {
      ...perNode,
      ...(seed.username ? { username: decodeURIComponent(seed.username) } : {}),
      ...(seed.password ? { password: decodeURIComponent(seed.password) } : {}),
      ...(seed.protocol === 'rediss:' ? { tls: {} } : {}),
    },
    enableOfflineQueue: options.enableOfflineQueue ?? true,
    // A master that died is replaced by its replica (or restarted); keep asking for the slots.
    clusterRetryStrategy: (times) => retryStrategy?.(times) ?? Math.min(times * 200, 2_000),
    // CLUSTER SLOTS (connecting, and after every MOVED/CLUSTERDOWN) opens a fresh connection and
    // must answer within this. ioredis's 1 s default is shorter than one event-loop stall of a
    // starved process (load 30-40 on 2 cores, a model loading): bench:scale workers on a healthy
    // cluster then logged "Failed to refresh slots cache" / "None of startup nodes is available"
    // for tens of seconds and reconnected over and over (a stale slot map is the likely reason
    // for their "Too many Cluster redirections ... MOVED"). A reply that is late because this
    // process was busy is not a dead node; a dead node refuses the connection at once.
    slotsRefreshTimeout: CLUSTER_SLOTS_REFRESH_TIMEOUT_MS,
    // A slot moving during a failover answers MOVED/TRYAGAIN/CLUSTERDOWN: retried, not failed.
    retryDelayOnClusterDown: 300,
    retryDelayOnTryAgain: 300,
  });
}

/**
 * Producers fail fast: an enqueue while Redis is down must error immediately (the outbox keeps the
 * job and the relay retries), not sit in an in-memory queue that a crash would lose.
 */
export function createProducerConnection(target: string, extra?: RedisOptions): Redis;
export function createProducerConnection(
  target: RedisTarget | string,
  extra?: RedisOptions,
): RedisConnection;
export function createProducerConnection(
  target: RedisTarget | string,
  extra: RedisOptions = {},
): RedisConnection {
  return connect(target, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 2_000,
    // Keep reconnecting in the background so the relay recovers when Redis returns.
    retryStrategy: (times) => Math.min(times * 200, 2_000),
    ...extra,
  });
}

/** Workers block on Redis and must reconnect forever (BullMQ requires maxRetriesPerRequest null). */
export function createWorkerConnection(target: string, extra?: RedisOptions): Redis;
export function createWorkerConnection(
  target: RedisTarget | string,
  extra?: RedisOptions,
): RedisConnection;
export function createWorkerConnection(
  target: RedisTarget | string,
  extra: RedisOptions = {},
): RedisConnection {
  return connect(target, {
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
export async function redisDurabilityProblem(redis: RedisConnection): Promise<string | null> {
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
