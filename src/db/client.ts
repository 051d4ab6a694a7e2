import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PGlite } from '@electric-sql/pglite';
import { sql } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePostgres } from 'drizzle-orm/postgres-js';
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator';
import postgres from 'postgres';
import {
  acquireLock,
  currentHolder,
  describeHolder,
  type EmbeddedMode,
  EmbeddedStoreBusyError,
  serveEmbedded,
} from './embedded.js';
import { initdbInChild } from './initdb.js';
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
  /** Connected to the embedded store through the process that serves it (already migrated). */
  readonly viaServer?: boolean;
  migrate(): Promise<void>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

/**
 * hnsw.ef_search on every connection this process opens (pgvector's default is 40). The HNSW
 * graph is built with random levels, so an index scan that returns 40 rows at ef_search 40 misses
 * some of the true 40 nearest passages, and which ones depends on the build: two stores imported
 * from the same articles gave different draft confidences for 71 of 475 eval questions (and a
 * different verdict for a dozen). The draft's confidence reads the spread of the 40 nearest
 * cosines, so it needs them all. Four times the candidates a draft asks for: on the ticket-answer
 * KB (1,167 articles) 5 of 475 confidences still differ between two imports (23 at 100, 1 at 400),
 * by 0.01 at most; the nearest-passage statement there costs 0.6–0.8 ms more (1.0 → 1.5–2.0). Sent as
 * a startup parameter, so it holds on a database cloned from a template or restored from a dump,
 * where ALTER DATABASE … SET would be lost; a search asking for more candidates raises it for its
 * own statement (src/kb/search-vector.ts).
 */
export const HNSW_EF_SEARCH = 160;

export interface DatabaseOptions {
  /** postgres:// URL; when absent the embedded PGlite store is used. */
  url?: string;
  /** PGlite data directory; `memory://` for a throwaway store. */
  pgliteDataDir?: string;
  /** Postgres' `shared_buffers` in the embedded store (default 16MB, see createPglite). */
  pgliteSharedBuffers?: string;
  poolMax?: number;
  /** How a PGlite directory on disk is shared with other local processes (src/db/embedded.ts). */
  embedded?: EmbeddedMode;
  /** Told once when the store is busy and this process waits for it. */
  onWait?: (message: string) => void;
  /** How long to wait for a busy embedded store before giving up. */
  waitMs?: number;
}

export async function createDatabase(options: DatabaseOptions): Promise<Database> {
  if (options.url) return createPostgres(options.url, options.poolMax ?? 10);
  const dataDir = options.pgliteDataDir ?? './data/pglite';
  if (dataDir.startsWith('memory://')) return createPglite(dataDir, options.pgliteSharedBuffers);
  return openEmbedded(dataDir, options);
}

/**
 * A PGlite directory on disk: through the server that owns it, or owned by this process (see
 * src/db/embedded.ts). Waits while another command holds it or its server is still starting.
 */
async function openEmbedded(dataDir: string, options: DatabaseOptions): Promise<Database> {
  const mode = options.embedded ?? 'exclusive';
  const deadline = Date.now() + (options.waitMs ?? 60_000);
  let told = false;
  for (;;) {
    const holder = currentHolder(dataDir);
    if (holder?.role === 'server' && mode === 'serve') {
      throw new EmbeddedStoreBusyError(
        `${describeHolder(dataDir, holder)} Stop it first, or give this one its own PGLITE_DATA_DIR (or a DATABASE_URL).`,
      );
    }
    if (holder?.role === 'server' && holder.socket) {
      return connectEmbedded(holder.socket, options.poolMax ?? 2);
    }
    if (!holder) {
      const lock = acquireLock(dataDir, mode === 'exclusive' ? 'exclusive' : 'server');
      if ('holder' in lock) continue;
      try {
        const database = await createPglite(dataDir, options.pgliteSharedBuffers);
        if (mode === 'exclusive')
          return { ...database, close: () => database.close().finally(lock.release) };
        const server = await serveEmbedded(database.client, dataDir);
        lock.update({ socket: server.socket });
        return {
          ...database,
          close: async () => {
            await server.close();
            await database.close().finally(lock.release);
          },
        };
      } catch (err) {
        lock.release();
        throw err;
      }
    }
    if (Date.now() > deadline) {
      throw new EmbeddedStoreBusyError(
        `${describeHolder(dataDir, holder)} Gave up waiting for it after ${Math.round((options.waitMs ?? 60_000) / 1000)} s.`,
      );
    }
    if (!told) {
      options.onWait?.(`${describeHolder(dataDir, holder)} Waiting for it…`);
      told = true;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * postgres.js over the server's socket. One PGlite backend serves every connection, so statements
 * are not prepared by name: two processes would both name theirs `s1`.
 */
function connectEmbedded(socket: string, poolMax: number): Database {
  const client = postgres({
    path: socket,
    username: 'postgres',
    database: 'postgres',
    max: poolMax,
    prepare: false,
    onnotice: () => {},
    connect_timeout: 5,
  });
  const db = drizzlePostgres(client, { schema }) as unknown as Db;
  return {
    db,
    kind: 'pglite',
    viaServer: true,
    migrate: () => migrateIfBehind(db, () => migratePostgres(db as never, { migrationsFolder })),
    ping: async () => {
      await client`select 1`;
    },
    close: () => client.end({ timeout: 5 }),
  };
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
    // No JIT: it pays off for long analytic scans, not for the pipeline's statements of a few
    // ms. On a store whose tables were never analysed (a fresh import, an evaluation run) the
    // planner's guesses put the draft's search statement near `jit_above_cost` (100,000: 98,000
    // on the 1,167-article ticket-answers KB), and compiling it took 60–200 ms of the server's
    // CPU for a statement that runs in 5–20.
    connection: { 'hnsw.ef_search': String(HNSW_EF_SEARCH), jit: 'off' },
    // postgres.js waits up to 20 s (3^n/100 s, shared across the pool) before reconnecting after
    // failures: during an outage every request then hangs that long before its 503, and after the
    // server is back the service stays down until the wait ends (13 s measured in
    // test/faults/postgres-outage). Retrying at most once a second is a trivial load on a server
    // that is coming back.
    backoff: (retries: number) => Math.min(0.05 * 2 ** retries, 1),
  });
  const db = drizzlePostgres(preparedStatements(client), { schema }) as unknown as Db;
  return {
    db,
    kind: 'postgres',
    migrate: () => migrateIfBehind(db, () => migratePostgres(db as never, { migrationsFolder })),
    ping: async () => {
      await client`select 1`;
    },
    close: () => client.end({ timeout: 5 }),
  };
}

let newestInJournal: number | undefined;

/** The `when` of the newest migration in migrations/meta/_journal.json. */
function newestMigration(): number {
  if (newestInJournal === undefined) {
    const journal = JSON.parse(
      readFileSync(path.join(migrationsFolder, 'meta/_journal.json'), 'utf8'),
    ) as { entries: { when: number }[] };
    newestInJournal = Math.max(...journal.entries.map((entry) => entry.when));
  }
  return newestInJournal;
}

/**
 * Applies the migrations a database lacks. drizzle's migrator reads and hashes every migration
 * file, creates its schema and table when missing and runs an empty transaction even when nothing
 * is due: on the embedded store, a few hundred milliseconds of every CLI command that opens it.
 * drizzle applies exactly the migrations newer than the newest one recorded, so when the newest
 * recorded is the journal's newest there is nothing to do, which one read tells. A database
 * without drizzle's table (a new one) fails the read and is migrated.
 */
async function migrateIfBehind(db: Db, migrate: () => Promise<void>): Promise<void> {
  let newest = Number.NaN;
  try {
    const result = (await db.execute(
      sql`select max(created_at)::text as newest from drizzle.__drizzle_migrations`,
    )) as unknown as { newest: string | null }[] | { rows: { newest: string | null }[] };
    const rows = Array.isArray(result) ? result : result.rows;
    newest = Number(rows[0]?.newest ?? Number.NaN);
  } catch {
    // No migrations table yet: a new database.
  }
  if (newest >= newestMigration()) return;
  await migrate();
}

type Sql = postgres.Sql<Record<string, postgres.PostgresType>>;

let roundTrips = 0;
/**
 * Statements this process has sent to Postgres through drizzle (each one a round trip; a
 * transaction adds its BEGIN and COMMIT, a savepoint its SAVEPOINT and RELEASE). Exported as
 * `deskpilot_db_statements_total`; bench:pipeline divides it by the tickets drafted.
 */
export function databaseRoundTrips(): number {
  return roundTrips;
}

/**
 * drizzle runs every query it builds as an unnamed statement (`prepare: false` unless the caller
 * names it with `.prepare()`), and postgres.js then sends each parameterised query twice: a Describe
 * round trip first, then Bind/Execute, and the server parses and plans it every time. A named
 * prepared statement per query text (postgres.js caches them per connection, keyed by text and
 * parameter types) skips both: measured ≈ 5× less client CPU per query (bench:pipeline,
 * cpuMsPerTicket). This hands drizzle a client whose `unsafe` always asks postgres.js to prepare,
 * in transactions and savepoints too; the connection-level `prepare: false` (embedded store,
 * poolers in transaction mode) still wins. Query texts are finite (values are parameters; the
 * few `sql.raw` pieces are column names or settings), so the per-connection cache stays bounded.
 */
export function preparedStatements<T extends Sql | postgres.TransactionSql>(client: T): T {
  return new Proxy(client, {
    get(target, key, receiver) {
      if (key === 'unsafe') {
        return (query: string, params?: unknown[], options?: postgres.UnsafeQueryOptions) => {
          roundTrips++;
          return target.unsafe(query, params as never, { ...options, prepare: true });
        };
      }
      if (key === 'begin') {
        return (...args: unknown[]) => {
          const fn = args.pop() as (tx: postgres.TransactionSql) => unknown;
          roundTrips += 2;
          return (target as Sql).begin(...(args as [string]), (tx) => fn(preparedStatements(tx)));
        };
      }
      if (key === 'savepoint') {
        return (...args: unknown[]) => {
          const fn = args.pop() as (tx: postgres.TransactionSql) => unknown;
          roundTrips += 2;
          return (target as postgres.TransactionSql).savepoint(...(args as [string]), (tx) =>
            fn(preparedStatements(tx)),
          );
        };
      }
      return Reflect.get(target, key, receiver);
    },
  });
}

/**
 * The embedded store's client as drizzle sees it, counting statements like `preparedStatements`
 * (each `query`, a transaction's BEGIN and COMMIT), so `deskpilot_db_statements_total` and the
 * tests that count round trips mean the same on both stores. Methods are bound to the client
 * itself: PGlite keeps its state in private fields a proxy could not reach.
 */
function countedPglite<T extends object>(client: T): T {
  return new Proxy(client, {
    get(target, key) {
      const value = Reflect.get(target, key, target);
      if (typeof value !== 'function') return value;
      if (key === 'query') {
        return (...args: unknown[]) => {
          roundTrips++;
          return value.apply(target, args);
        };
      }
      if (key === 'transaction') {
        return (fn: (tx: object) => unknown) => {
          roundTrips += 2;
          return value.call(target, (tx: object) => fn(countedPglite(tx)));
        };
      }
      return value.bind(target);
    },
  });
}

/**
 * The embedded store. Postgres' shared memory lives in PGlite's WebAssembly memory, and PGlite's
 * mmap() zero-fills every byte of it at boot: with Postgres' default `shared_buffers` of 128MB
 * (145 MB of shared memory) that is ~2 s of CPU at every open (profiled: `memset` under `mmap`,
 * the largest cost of a CLI command that opens the store) and ~170 MB of resident memory that
 * never shrinks. 16MB keeps 2,048 pages of cache; a miss is a read from the OS page cache through
 * PGlite's file system, so the data set may be far larger than the cache. Measured with
 * `npm run bench:memory`: see docs/architecture.md (Storage).
 *
 * PGlite, pgvector and drizzle's PGlite driver are imported here, when a process opens the store
 * itself: a process that reaches it through the server's socket or a DATABASE_URL (every CLI
 * command while `npm start` runs) never loads them.
 */
async function createPglite(
  dataDir: string,
  sharedBuffers = '16MB',
): Promise<Database & { client: PGlite }> {
  const [{ PGlite }, { vector }, { drizzle: drizzlePglite }, { migrate: migratePglite }] =
    await Promise.all([
      import('@electric-sql/pglite'),
      import('@electric-sql/pglite-pgvector'),
      import('drizzle-orm/pglite'),
      import('drizzle-orm/pglite/migrator'),
    ]);
  if (!dataDir.includes('://')) {
    mkdirSync(path.dirname(path.resolve(dataDir)), { recursive: true });
    await initdbInChild(dataDir); // a new store: see initdb.ts
    mkdirSync(dataDir, { recursive: true });
  }
  const client = await PGlite.create(dataDir, {
    extensions: { vector },
    startParams: [
      ...PGlite.defaultStartParams,
      '-c',
      `shared_buffers=${sharedBuffers}`,
      // One backend serves this process and, through the socket, every local client.
      '-c',
      `hnsw.ef_search=${HNSW_EF_SEARCH}`,
    ],
  });
  const db = drizzlePglite(countedPglite(client), { schema }) as unknown as Db;
  return {
    db,
    client,
    kind: 'pglite',
    migrate: () => migrateIfBehind(db, () => migratePglite(db as never, { migrationsFolder })),
    ping: async () => {
      await db.execute(sql`select 1`);
    },
    close: () => client.close(),
  };
}
