import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { type ApiKeyVerifier, createApiKeyVerifier } from './auth/api-keys.js';
import type { Config } from './config/index.js';
import type { Db } from './db/client.js';
import { createDatabase, type Database } from './db/client.js';
import { createLogger } from './log.js';
import { closeQueues, createQueues, type Queues } from './queue/queues.js';
import { createProducerConnection } from './queue/redis.js';

/** Everything the app and the workers need, built once at boot and passed down explicitly. */
export interface Deps {
  config: Config;
  log: Logger;
  database: Database;
  db: Db;
  /** Producer connection: fails fast. Workers open their own reconnecting connections. */
  redis: Redis;
  queues: Queues;
  apiKeys: ApiKeyVerifier;
  /** Called after a commit that wrote outbox rows; the relay picks them up at once. */
  notifyOutbox: () => void;
  now: () => Date;
}

export interface BuildDepsOverrides {
  log?: Logger;
  database?: Database;
  redis?: Redis;
}

export async function buildDeps(config: Config, overrides: BuildDepsOverrides = {}): Promise<Deps> {
  const log = overrides.log ?? createLogger(config.LOG_LEVEL);
  const database =
    overrides.database ??
    (await createDatabase({
      url: config.DATABASE_URL,
      pgliteDataDir: config.PGLITE_DATA_DIR,
      poolMax: config.DATABASE_POOL_MAX,
    }));
  if (config.RUN_MIGRATIONS) await database.migrate();
  const redis = overrides.redis ?? createProducerConnection(config.REDIS_URL);
  // Without a listener ioredis prints every reconnect failure as an unhandled error event.
  redis.on('error', (err) => log.debug({ err: err.message }, 'redis producer connection error'));
  const queues = createQueues(redis, config.QUEUE_PREFIX, log);
  return {
    config,
    log,
    database,
    db: database.db,
    redis,
    queues,
    apiKeys: createApiKeyVerifier(database.db),
    notifyOutbox: () => {},
    now: () => new Date(),
  };
}

export async function closeDeps(deps: Deps): Promise<void> {
  await closeQueues(deps.queues).catch(() => {});
  deps.redis.disconnect();
  await deps.database.close();
}
