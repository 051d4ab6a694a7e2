import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import postgres from 'postgres';
import type { TestProject } from 'vitest/node';
import { createDatabase } from '../../src/db/client.js';
import { ensureLocalRedis } from '../../src/jobs/local-redis.js';

/**
 * Unique per run and per project (each vitest project runs this setup), so two runs against one
 * server (two checkouts, CI beside a developer) never drop each other's template.
 */
const templateName = () =>
  `deskpilot_tpl_${Math.floor(Date.now() / 1000)}_${randomBytes(4).toString('hex')}`;

/**
 * With TEST_DATABASE_URL (CI): migrate a template database once per run; each test file then
 * clones it (CREATE DATABASE … TEMPLATE), which takes milliseconds and isolates files completely.
 * Without it, each file migrates its own in-memory PGlite.
 */
export default async function setup(project: TestProject) {
  const stopRedis = await redisForTests();
  const url = process.env.TEST_DATABASE_URL;
  project.provide('templateDatabaseUrl', null);
  if (!url) return stopRedis;
  const TEMPLATE_DB = templateName();
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
    await stopRedis();
    const drop = postgres(url, { max: 1, onnotice: () => {} });
    try {
      await drop.unsafe(`DROP DATABASE IF EXISTS ${TEMPLATE_DB} WITH (FORCE)`);
    } finally {
      await drop.end();
    }
  };
}

/**
 * `npm test` on a machine without a running Redis: like `npm start`, run a private redis-server
 * (when installed) for this run and point the test files at it (they read TEST_REDIS_URL; worker
 * processes start after this and inherit it). With neither, stop with the install commands.
 */
async function redisForTests(): Promise<() => Promise<void>> {
  if (process.env.TEST_REDIS_URL) return async () => {};
  const dataDir = mkdtempSync(path.join(tmpdir(), 'deskpilot-test-redis-'));
  const local = await ensureLocalRedis({
    env: { ...process.env, REDIS_URL: '' },
    dataDir,
    log: (message) => console.error(message),
  });
  if (!local) {
    rmSync(dataDir, { recursive: true, force: true });
    return async () => {};
  }
  process.env.TEST_REDIS_URL = local.url;
  return async () => {
    await local.stop();
    rmSync(dataDir, { recursive: true, force: true });
  };
}

/** Templates of runs that were killed over a day ago (the name carries its creation time). */
async function dropStaleTemplates(url: string): Promise<void> {
  const admin = postgres(url, { max: 1, onnotice: () => {} });
  try {
    const rows = await admin<{ datname: string }[]>`
      SELECT datname FROM pg_database WHERE datname LIKE 'deskpilot\\_tpl\\_%'`;
    const dayAgo = Math.floor(Date.now() / 1000) - 86_400;
    for (const { datname } of rows) {
      const created = Number(datname.split('_')[2]);
      if (Number.isFinite(created) && created < dayAgo) {
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
