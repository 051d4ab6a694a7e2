import { availableParallelism } from 'node:os';
import type { Logger } from 'pino';
import { createApiKeyVerifier } from './auth/api-keys.js';
import type { Config } from './config/index.js';
import { parseModelSpec } from './config/model-spec.js';
import { createDatabase, type Database } from './db/client.js';
import type { EmbeddedMode } from './db/embedded.js';
import { createReadReplica } from './db/replica.js';
import { createSettingsCache } from './db/settings-cache.js';
import { setOutboxWaker } from './db/tx.js';
import type { Deps } from './deps.js';
import { createZendeskClientFromConfig } from './integrations/zendesk/client.js';
import type { ZendeskClient } from './integrations/zendesk/types.js';
import { closeQueues, createQueues } from './jobs/queues.js';
import { createProducerConnection, type RedisConnection, redisTarget } from './jobs/redis.js';
import { thesaurusFor } from './kb/synonyms.js';
import { createLiveEvents } from './live/events.js';
import { createLogger } from './log.js';
import { type Mailer, mailerFromUrl } from './mail/index.js';
import { HashedEmbedder } from './models/embedder/hashed.js';
import type { Embedder } from './models/embedder/types.js';
import { generatorFromConfig } from './models/generator/config.js';
import type { Generator } from './models/generator/types.js';
import { createObservability } from './observability/prometheus.js';
import { createClassifierStore } from './pipeline/triage/classifier-store.js';
import { seedStarterData } from './pipeline/triage/starter-taxonomy.js';
import { createBackpressure } from './queue/backpressure.js';

/**
 * The composition root: builds the dependency container (`Deps`, src/deps.ts) once at boot and
 * closes it at shutdown. Only entry points import this file.
 */

export interface BuildDepsOverrides {
  log?: Logger;
  database?: Database;
  redis?: RedisConnection;
  zendesk?: ZendeskClient | null;
  mailer?: Mailer | null;
  models?: Partial<Deps['models']>;
  embedders?: Embedder[];
  /** How an embedded store on disk is shared with other local processes (default: exclusive). */
  embedded?: EmbeddedMode;
}

export async function buildDeps(config: Config, overrides: BuildDepsOverrides = {}): Promise<Deps> {
  const log = overrides.log ?? createLogger(config.LOG_LEVEL);
  const database =
    overrides.database ??
    (await createDatabase({
      url: config.DATABASE_URL,
      pgliteDataDir: config.PGLITE_DATA_DIR,
      pgliteSharedBuffers: config.PGLITE_SHARED_BUFFERS,
      poolMax: config.DATABASE_POOL_MAX,
      embedded: overrides.embedded,
    }));
  if (config.RUN_MIGRATIONS) await prepareDatabase(database);
  const redis = overrides.redis ?? createProducerConnection(redisTarget(config));
  // Without a listener ioredis prints every reconnect failure as an unhandled error event.
  redis.on('error', (err) => log.debug({ err: err.message }, 'redis producer connection error'));
  const queues = createQueues(redis, config.QUEUE_PREFIX, log);
  const embedders = overrides.embedders ?? [await embedderFromConfig(config)];
  const observability = createObservability(database.db, queues);
  const deps: Deps = {
    config,
    log,
    database,
    db: database.db,
    redis,
    replica:
      config.DATABASE_REPLICA_URL && database.kind === 'postgres'
        ? createReadReplica(
            database.db,
            await createDatabase({
              url: config.DATABASE_REPLICA_URL,
              poolMax: config.DATABASE_POOL_MAX,
            }),
            { maxLagMs: config.DATABASE_REPLICA_MAX_LAG_MS, log },
          )
        : null,
    queues,
    apiKeys: createApiKeyVerifier(database.db),
    embedders,
    thesaurus: thesaurusFor(config.KB_SYNONYMS),
    observability,
    backpressure: createBackpressure(
      { db: database.db, queues, log, registry: observability.registry },
      {
        maxOutboxDepth: config.INTAKE_MAX_OUTBOX_DEPTH,
        draftPauseBacklog: config.DRAFT_PAUSE_BACKLOG,
        draftPauseLagMs: config.DRAFT_PAUSE_LAG_MS,
      },
    ),
    classifierStore: createClassifierStore(database.db, log, { embedder: embedders[0] }),
    settings: createSettingsCache(database.db),
    models: {
      classifierLlm: generatorForRole(config, 'CLASSIFIER_LLM'),
      draftLlm: generatorForRole(config, 'DRAFT_LLM'),
      ...overrides.models,
    },
    mailer:
      overrides.mailer !== undefined
        ? overrides.mailer
        : mailerFromUrl(config.SMTP_URL, {
            address: config.SUPPORT_ADDRESS,
            name: config.SUPPORT_NAME,
          }),
    zendesk:
      overrides.zendesk !== undefined ? overrides.zendesk : createZendeskClientFromConfig(config),
    live: createLiveEvents({
      publisher: redis,
      redis: redisTarget(config),
      prefix: config.QUEUE_PREFIX,
      log,
    }),
    notifyOutbox: () => {},
    now: () => new Date(),
  };
  // Every commit that wrote outbox rows wakes the relay (enqueueOutbox registers it after the
  // commit); the relay, once started, replaces notifyOutbox.
  setOutboxWaker(database.db, () => deps.notifyOutbox());
  return deps;
}

/** Migrations, then the starter taxonomy and routing rules on a fresh install. */
export async function prepareDatabase(database: Database): Promise<void> {
  await database.migrate();
  await seedStarterData(database.db);
}

/** Builds the generator a role is configured with (loaded lazily on first use), or null. */
export function generatorForRole(
  config: Config,
  role: 'CLASSIFIER_LLM' | 'DRAFT_LLM',
): Generator | null {
  const spec = parseModelSpec(config[role], config[`${role}_MODEL`], role);
  if (spec.kind === 'none') return null;
  const parallel = role === 'DRAFT_LLM' ? { parallel: config.DRAFT_LLM_CONCURRENCY } : {};
  return generatorFromConfig(
    spec.kind === 'llama'
      ? {
          kind: 'llama',
          path: spec.path,
          contextSize: config.LLM_CONTEXT_SIZE,
          // More threads than cores makes llama.cpp dramatically slower, not faster.
          threads: config.LLM_THREADS ?? Math.max(1, Math.floor(availableParallelism() / 2)),
          ...parallel,
        }
      : {
          kind: 'openai',
          url: spec.url,
          model: spec.model,
          apiKey: config[`${role}_API_KEY`],
          ...parallel,
        },
  );
}

export async function closeDeps(deps: Deps): Promise<void> {
  await deps.replica?.close().catch(() => {});
  await deps.mailer?.close().catch(() => {});
  await Promise.all(
    [deps.models.classifierLlm, deps.models.draftLlm].map((g) => g?.close().catch(() => {})),
  );
  await deps.live.close().catch(() => {});
  await closeQueues(deps.queues).catch(() => {});
  deps.redis.disconnect();
  await deps.database.close();
}

/**
 * EMBEDDER: unset → hashed n-grams; `*.gguf` → node-llama-cpp; a folder → transformers.js ONNX,
 * with EMBEDDER_POOLING and EMBEDDER_PREFIX (see docs/triage.md, "Dense features").
 */
export async function embedderFromConfig(config: Config): Promise<Embedder> {
  const spec = config.EMBEDDER;
  if (!spec || spec === 'hashed') return new HashedEmbedder();
  const { createEmbedder } = await import('./models/embedder/create.js');
  return createEmbedder({
    path: spec,
    ...(config.EMBEDDER_POOLING === undefined ? {} : { pooling: config.EMBEDDER_POOLING }),
    ...(config.EMBEDDER_PREFIX === undefined ? {} : { prefix: config.EMBEDDER_PREFIX }),
  });
}
