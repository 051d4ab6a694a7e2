import { sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { kbSignatureSql, queryRows } from '../db/queries/kb.js';

/** `kbSignatureSql`, read on its own. */
export async function kbSignature(db: Db): Promise<string> {
  const [row] = await queryRows<{ signature: string }>(
    db,
    sql`select ${kbSignatureSql} as signature`,
  );
  return row?.signature ?? '';
}

interface Cached<T> {
  /** The KB state `value` was computed on. */
  signature: string;
  value: T | null;
  /** The computation in flight, if any: at most one per database. */
  pending: Promise<T> | null;
}

/**
 * Something derived from the whole knowledge base (the draft confidence's baseline, the spelling
 * vocabulary), computed once per KB state and per database, one computation at a time. Only the
 * very first caller waits: after a change the previous value keeps serving while the new one is
 * computed — an import of many articles changes the KB with every article, and queries must not
 * each recompute it. `known`: the KB's signature as the caller read it with its other reads
 * (`kbSignatureSql`), which saves that statement. An empty KB gets `empty`. `arg` goes to `compute`
 * (the first caller's, when several call at once).
 */
export function perKbState<T, A>(
  compute: (db: Db, arg: A) => Promise<T>,
  empty: T,
): (db: Db, arg: A, known?: string) => Promise<T> {
  const cache = new WeakMap<object, Cached<T>>();
  return async (db, arg, known) => {
    const signature = known ?? (await kbSignature(db));
    if (!signature) return empty;
    let entry = cache.get(db);
    if (!entry) {
      entry = { signature: '', value: null, pending: null };
      cache.set(db, entry);
    }
    if (entry.value !== null && entry.signature === signature) return entry.value;
    if (!entry.pending) {
      const target = entry;
      target.pending = compute(db, arg)
        .then((value) => {
          target.value = value;
          target.signature = signature;
          return value;
        })
        .finally(() => {
          target.pending = null;
        });
      // Computed in the background (the previous value serving), nobody awaits it: a failure (a
      // database closing under it) is left to the next call to retry, not an unhandled rejection,
      // which would end the process. Callers that do await it still see the error.
      target.pending.catch(() => {});
    }
    return entry.value ?? entry.pending!;
  };
}
