import type { Db } from './client.js';

/**
 * Runs `fn` in a transaction, or inside the caller's when `db` already is one (drizzle nests it as
 * a savepoint), so plain functions compose and tests can wrap everything and roll back.
 */
export function withTransaction<T>(db: Db, fn: (tx: Db) => Promise<T>): Promise<T> {
  return db.transaction((tx) => fn(tx as unknown as Db));
}
