import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { pino } from 'pino';
import { buildDeps, closeDeps } from '../../src/build-deps.js';
import { type Config, loadConfig } from '../../src/config/index.js';
import type { Deps } from '../../src/deps.js';
import { seedStarterData } from '../../src/pipeline/triage/starter-taxonomy.js';
import { createTestDatabase, type TestDatabase } from './db.js';

export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
export const ZENDESK_SECRET = 'test-zendesk-secret-current';
export const ZENDESK_SECRET_OLD = 'test-zendesk-secret-previous';
export const MAILGUN_KEY = 'test-mailgun-signing-key';

export function testConfig(overrides: Record<string, string> = {}): Config {
  return loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    REDIS_URL: TEST_REDIS_URL,
    // A fresh BullMQ prefix per test file keeps queues isolated on the shared Redis.
    QUEUE_PREFIX: `dpt-${randomBytes(5).toString('hex')}`,
    ZENDESK_WEBHOOK_SECRETS: `${ZENDESK_SECRET},${ZENDESK_SECRET_OLD}`,
    MAILGUN_SIGNING_KEYS: MAILGUN_KEY,
    INBOUND_BASIC_AUTH: 'inbound:s3cret-pass',
    SUPPORT_ADDRESS: 'support@deskpilot.test',
    RUN_MIGRATIONS: 'false',
    OUTBOX_POLL_MS: '50',
    // Approved replies go out at once unless a test is about the undo window (it sets its own).
    SEND_DELAY_SECONDS: '0',
    ...overrides,
  });
}

export interface TestDeps extends Deps {
  testDb: TestDatabase;
  cleanup(): Promise<void>;
}

/** Real database (Postgres clone or PGlite) and real Redis, isolated per call. */
export async function createTestDeps(
  overrides: Record<string, string> = {},
  extra: { redis?: Redis } = {},
): Promise<TestDeps> {
  const testDb = await createTestDatabase();
  const deps = await buildDeps(testConfig(overrides), {
    database: testDb,
    log: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }, pino.destination(2)),
    redis: extra.redis,
  });
  // The template is migrated once per run; seeding is per database.
  await seedStarterData(deps.db);
  return Object.assign(deps, {
    testDb,
    async cleanup() {
      await closeDeps({ ...deps, database: { ...testDb, close: () => testDb.destroy() } });
    },
  });
}
