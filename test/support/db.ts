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
  const name = `deskpilot_t_${randomBytes(6).toString('hex')}`;
  const admin = postgres(withDatabase(templateUrl, 'postgres'), { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(
      `CREATE DATABASE ${name} TEMPLATE ${new URL(templateUrl).pathname.slice(1)}`,
    );
  } finally {
    await admin.end();
  }
  const url = withDatabase(templateUrl, name);
  const db = await createDatabase({ url, poolMax: 20 });
  return {
    ...db,
    url,
    async destroy() {
      await db.close();
      const drop = postgres(withDatabase(templateUrl, 'postgres'), { max: 1, onnotice: () => {} });
      try {
        await drop.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await drop.end();
      }
    },
  };
}

export const usingPostgres = () => Boolean(inject('templateDatabaseUrl'));

/**
 * Whether the fault tests (real Postgres only) can run here. Locally without TEST_DATABASE_URL
 * they are skipped; in CI (CI=true) a missing Postgres fails them instead of hiding them.
 */
export function faultTestsCanRun(): boolean {
  if (usingPostgres()) return true;
  if (process.env.CI === 'true') {
    throw new Error('CI=true but TEST_DATABASE_URL is unset: the fault tests need real Postgres');
  }
  return false;
}
