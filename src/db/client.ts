import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import { sql } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator';
import postgres from 'postgres';
import * as schema from './schema/index.js';

export type Schema = typeof schema;
/** Either driver: postgres.js in production, PGlite for the embedded default and quick tests. */
export type Db = PgDatabase<PgQueryResultHKT, Schema>;

export const migrationsFolder = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../../migrations',
);

export interface Database {
  readonly db: Db;
  readonly kind: 'postgres' | 'pglite';
  migrate(): Promise<void>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  /** postgres:// URL; when absent the embedded PGlite store is used. */
  url?: string;
  /** PGlite data directory; `memory://` for a throwaway store. */
  pgliteDataDir?: string;
  poolMax?: number;
}

export async function createDatabase(options: DatabaseOptions): Promise<Database> {
  if (options.url) return createPostgres(options.url, options.poolMax ?? 10);
  return createPglite(options.pgliteDataDir ?? './data/pglite');
}

/**
 * libpq's way to name a Unix socket, `postgres://user@localhost/db?host=/var/run/postgresql`, which
 * postgres.js does not read from a URL (it would send `host` to the server as a setting). A local
 * server is cheaper to reach over its socket than over TCP on 127.0.0.1: no TCP stack on either
 * side of every query.
 */
export function socketDirOf(url: string): { url: string; host?: string } {
  const parsed = new URL(url);
  const host = parsed.searchParams.get('host');
  if (!host?.startsWith('/')) return { url };
  parsed.searchParams.delete('host');
  return { url: parsed.toString(), host };
}

/** postgres.js on a DATABASE_URL-style URL, socket directory included (for admin and bench code). */
export function postgresClient(
  rawUrl: string,
  options: postgres.Options<Record<string, postgres.PostgresType>> = {},
) {
  const { url, host } = socketDirOf(rawUrl);
  return postgres(url, { ...(host ? { host } : {}), ...options });
}

function createPostgres(url: string, poolMax: number): Database {
  const client = postgresClient(url, {
    max: poolMax,
    onnotice: () => {},
    // Fail fast when the server is down so webhooks answer 503 and the sender retries.
    connect_timeout: 5,
    idle_timeout: 60,
    // postgres.js waits up to 20 s (3^n/100 s, shared across the pool) before reconnecting after
    // failures: during an outage every request then hangs that long before its 503, and after the
    // server is back the service stays down until the wait ends (13 s measured in
    // test/faults/postgres-outage). Retrying at most once a second is a trivial load on a server
    // that is coming back.
    backoff: (retries: number) => Math.min(0.05 * 2 ** retries, 1),
  });
  const db = drizzlePostgres(client, { schema }) as unknown as Db;
  return {
    db,
    kind: 'postgres',
    migrate: () => migratePostgres(db as never, { migrationsFolder }),
    ping: async () => {
      await client`select 1`;
    },
    close: () => client.end({ timeout: 5 }),
  };
}

async function createPglite(dataDir: string): Promise<Database> {
  if (!dataDir.startsWith('memory://')) mkdirSync(dataDir, { recursive: true });
  const client = await PGlite.create(dataDir, { extensions: { vector } });
  const db = drizzlePglite(client, { schema }) as unknown as Db;
  return {
    db,
    kind: 'pglite',
    migrate: () => migratePglite(db as never, { migrationsFolder }),
    ping: async () => {
      await db.execute(sql`select 1`);
    },
    close: () => client.close(),
  };
}
