import postgres from 'postgres';
import type { TestProject } from 'vitest/node';
import { createDatabase } from '../../src/db/client.js';

export const TEMPLATE_DB = 'deskpilot_test_template';

/**
 * With TEST_DATABASE_URL (CI): migrate a template database once per run; each test file then
 * clones it (CREATE DATABASE … TEMPLATE), which takes milliseconds and isolates files completely.
 * Without it, each file migrates its own in-memory PGlite.
 */
export default async function setup(project: TestProject) {
  const url = process.env.TEST_DATABASE_URL;
  project.provide('templateDatabaseUrl', null);
  if (!url) return;
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
