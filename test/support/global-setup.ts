import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import type { TestProject } from 'vitest/node';
import { createDatabase } from '../../src/db/client.js';

/**
 * Unique per run, so two runs against one server (two checkouts, CI beside a developer) never
 * drop each other's template.
 */
const TEMPLATE_DB = `deskpilot_tpl_${randomBytes(5).toString('hex')}`;

/**
 * With TEST_DATABASE_URL (CI): migrate a template database once per run; each test file then
 * clones it (CREATE DATABASE … TEMPLATE), which takes milliseconds and isolates files completely.
 * Without it, each file migrates its own in-memory PGlite.
 */
export default async function setup(project: TestProject) {
  const url = process.env.TEST_DATABASE_URL;
  project.provide('templateDatabaseUrl', null);
  if (!url) return;
  await dropStaleTemplates(url);
  const admin = postgres(url, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`DROP DATABASE IF EXISTS ${TEMPLATE_DB} WITH (FORCE)`);
    await admin.unsafe(`CREATE DATABASE ${TEMPLATE_DB}`);
  } finally {
    await admin.end();
  }
  const templateUrl = withDatabase(url, TEMPLATE_DB);
  const db = await createDatabase({ url: templateUrl, poolMax: 1 });
  try {
    await db.migrate();
  } finally {
    await db.close();
  }
  project.provide('templateDatabaseUrl', templateUrl);
  return async () => {
    const drop = postgres(url, { max: 1, onnotice: () => {} });
    try {
      await drop.unsafe(`DROP DATABASE IF EXISTS ${TEMPLATE_DB} WITH (FORCE)`);
    } finally {
      await drop.end();
    }
  };
}

/** Templates left by runs that were killed more than a day ago (a live run's is never touched). */
async function dropStaleTemplates(url: string): Promise<void> {
  const admin = postgres(url, { max: 1, onnotice: () => {} });
  try {
    const stale = await admin<{ datname: string }[]>`
      SELECT datname FROM pg_database
      WHERE datname LIKE 'deskpilot\_tpl\_%' OR datname = 'deskpilot_test_template'`;
    for (const { datname } of stale) {
      const [{ age }] = await admin<{ age: number | null }[]>`
        SELECT extract(epoch FROM now() - (pg_stat_file('base/' || oid || '/PG_VERSION')).modification)::int AS age
        FROM pg_database WHERE datname = ${datname}`.catch(() => [{ age: null }]);
      if (age !== null && age > 86_400) {
        await admin.unsafe(`DROP DATABASE IF EXISTS ${datname} WITH (FORCE)`);
      }
    }
  } finally {
    await admin.end();
  }
}

export function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

declare module 'vitest' {
  export interface ProvidedContext {
    templateDatabaseUrl: string | null;
  }
}
