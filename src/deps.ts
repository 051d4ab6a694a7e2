import type { Logger } from 'pino';
import type { ApiKeyVerifier } from './auth/api-keys.js';
import type { Config } from './config/index.js';
import type { Database, Db } from './db/client.js';
import type { ReadReplica } from './db/replica.js';
import type { SettingsCache } from './db/settings-cache.js';
import type { ZendeskClient } from './integrations/zendesk/types.js';
import type { Backpressure } from './jobs/backpressure.js';
import type { Queues } from './jobs/queues.js';
import type { RedisConnection } from './jobs/redis.js';
import type { Thesaurus } from './kb/synonyms.js';
import type { LiveEvents } from './live/events.js';
import type { Mailer } from './mail/index.js';
import type { ClassifierStore } from './models/classifier/store.js';
import type { Embedder } from './models/embedder/types.js';
import type { Generator } from './models/generator/types.js';
import type { Observability } from './observability/prometheus.js';

/**
 * The dependency container's shape. Types only: `src/build-deps.ts` builds it once at boot (an
 * entry point, so it may import anything); everything below receives it and imports this file
 * for the type alone, so `Deps` sits under the pipeline and the doors that use it.
 */
/** Everything the app and the workers need, built once at boot and passed down explicitly. */
export interface Deps {
  config: Config;
  log: Logger;
  database: Database;
  db: Db;
  /** Producer connection: fails fast. Workers open their own reconnecting connections. */
  redis: RedisConnection;
  /** DATABASE_REPLICA_URL: where lag-tolerant reads may go (`readDb`); null without one. */
  replica: ReadReplica | null;
  queues: Queues;
  apiKeys: ApiKeyVerifier;
  classifierStore: ClassifierStore;
  /** Taxonomy, routing rules, embedding models and auto-send policies by `settings_version`. */
  settings: SettingsCache;
  /** Prometheus registry and instruments (GET /metrics). */
  observability: Observability;
  /** Overload signals: drafting pauses first, the generic webhook sheds last (started by the runtime). */
  backpressure: Backpressure;
  /** Configured embedder first; search and indexing use it (the hashed one needs no download). */
  embedders: Embedder[];
  /** Query expansion for knowledge-base search (`KB_SYNONYMS`); null = off. */
  thesaurus: Thesaurus | null;
  /** Local or remote LLMs, null when not configured (the zero-download paths are used). */
  models: { classifierLlm: Generator | null; draftLlm: Generator | null };
  /** Outbound SMTP, null without SMTP_URL (approved email replies then stay blocked, visibly). */
  mailer: Mailer | null;
  /** Zendesk REST client, null without API credentials. */
  zendesk: ZendeskClient | null;
  /** Ids-only live updates for open inbox pages (Redis pub/sub → server-sent events). */
  live: LiveEvents;
  /**
   * Wakes the outbox relay so it picks new rows up at once. Called after every commit that wrote
   * outbox rows (see db/tx.ts); routes and jobs never call it themselves.
   */
  notifyOutbox: () => void;
  now: () => Date;
}
