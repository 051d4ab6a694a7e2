import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { inject } from 'vitest';
import { createDatabase, type Database } from '../../src/db/client.js';
import { withDatabase } from './global-setup.js';

export interface TestDatabase extends Database {
  /** postgres:// URL of this test's database, or undefined on PGlite. */
  url?: string;
  /** Closes and drops the database. */
  destroy(): Promise<void>;
}

/** A fresh, migrated database for one test file: a clone of the template on Postgres, else PGlite. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const templateUrl = inject('templateDatabaseUrl');
  if (!templateUrl) {
    const db = await createDatabase({ pgliteDataDir: 'memory://' });
    await db.migrate();
    return { ...db, destroy: () => db.close() };
  }
  const { url, drop } = await createServerDatabase(
    templateUrl,
    new URL(templateUrl).pathname.slice(1),
  );
  const db = await createDatabase({ url, poolMax: 20 });
  return {
    ...db,
    url,
    async destroy() {
      await db.close();
      await drop();
    },
  };
}

/**
 * An empty database on the test server (no tables, no extension: nothing migrated), for a test of
 * what migrates a database from nothing; `drop` removes it. Real Postgres only.
 */
export function createEmptyTestDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const templateUrl = inject('templateDatabaseUrl');
  if (!templateUrl) throw new Error('an empty server database needs TEST_DATABASE_URL');
  return createServerDatabase(templateUrl);
}

/** A new database beside the template's, a copy of `template` if given; `drop` removes it. */
async function createServerDatabase(serverUrl: string, template?: string) {
  const name = `deskpilot_t_${randomBytes(6).toString('hex')}`;
  const admin = postgres(withDatabase(serverUrl, 'postgres'), { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`CREATE DATABASE ${name}${template ? ` TEMPLATE ${template}` : ''}`);
  } finally {
    await admin.end();
  }
  return {
    url: withDatabase(serverUrl, name),
    async drop() {
      const dropper = postgres(withDatabase(serverUrl, 'postgres'), { max: 1, onnotice: () => {} });
      try {
        await dropper.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await dropper.end();
      }
    },
  };
}

export const usingPostgres = () => Boolean(inject('templateDatabaseUrl'));

/**
 * Whether a test that needs real Postgres (`who`) can run here. Locally without TEST_DATABASE_URL
 * it is skipped; in CI (CI=true) a missing Postgres fails it instead of hiding it.
 */
export function realPostgresOrSkip(who: string): boolean {
  if (usingPostgres()) return true;
  if (process.env.CI === 'true') {
    throw new Error(`CI=true but TEST_DATABASE_URL is unset (${who}: real Postgres only)`);
  }
  return false;
}

/** Whether the fault tests (real Postgres only) can run here (see realPostgresOrSkip). */
export function faultTestsCanRun(): boolean {
  return realPostgresOrSkip('the fault tests');
}
