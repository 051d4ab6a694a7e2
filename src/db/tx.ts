import type { Db } from './client.js';

/** Work that must only happen once the data it announces is visible to other connections. */
export type AfterCommit = () => unknown;

interface Scope {
  /** The database handle the outermost transaction was opened on. */
  root: Db;
  hooks: AfterCommit[];
  /** The outbox wake-up is registered once per transaction, however many rows it writes. */
  wakesOutbox?: boolean;
}

/**
 * Open transactions by their handle. A WeakMap rather than a field on drizzle's object: the
 * transaction handle is drizzle's, and an entry goes away with the handle.
 */
const scopes = new WeakMap<Db, Scope>();
/** Per database handle: what wakes the outbox relay after a commit that wrote outbox rows. */
const outboxWakers = new WeakMap<Db, () => void>();

/**
 * Runs `fn` in a transaction, or inside the caller's when `db` already is one (drizzle nests it as
 * a savepoint), so plain functions compose and tests can wrap everything and roll back.
 *
 * Work registered with `afterCommit` runs once the outermost transaction has committed, before
 * this promise resolves; a rolled-back transaction (or savepoint) drops its work.
 *
 * An outermost transaction that Postgres aborts as a deadlock victim or a serialization failure
 * runs again (up to three attempts), so `fn` must keep its effects inside the transaction or in
 * after-commit work (which every caller here does).
 */
export async function withTransaction<T>(
  db: Db,
  fn: (tx: Db) => Promise<T>,
  options: {
    /**
     * false: `fn` has effects outside the database before it commits (the outbox relay adds jobs
     * to Redis inside its transaction), so an aborted run is reported, not run again.
     */
    retryAborted?: boolean;
  } = {},
): Promise<T> {
  const parent = scopes.get(db);
  const maxAttempts = options.retryAborted === false ? 1 : MAX_ATTEMPTS;
  for (let attempt = 1; ; attempt++) {
    const hooks: AfterCommit[] = [];
    let result: T;
    try {
      result = await db.transaction((raw) => {
        const tx = raw as unknown as Db;
        scopes.set(tx, { root: parent?.root ?? db, hooks });
        return fn(tx);
      });
    } catch (err) {
      // Two transactions that lock the same rows in opposite orders (say an approval: draft, then
      // ticket; a helpdesk solve: ticket, then its drafts) can deadlock, and Postgres aborts one
      // of them. The aborted one rolled back entirely and its after-commit work was dropped, so
      // running it again is safe; a savepoint cannot be retried alone (its transaction is aborted).
      if (parent || attempt >= maxAttempts || !isRetryableAbort(err)) throw err;
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 20 * attempt));
      continue;
    }
    if (parent) parent.hooks.push(...hooks);
    else await runHooks(hooks);
    return result;
  }
}

/**
 * Runs `statement`, one statement that is atomic on its own, again when Postgres aborted it as a
 * deadlock victim or a serialization failure, as `withTransaction` does for a transaction: an
 * aborted statement wrote nothing. Inside a caller's transaction it runs once (the transaction is
 * aborted with it; its owner decides).
 */
export async function retryingAborts<T>(db: Db, statement: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await statement();
    } catch (err) {
      if (scopes.has(db) || attempt >= MAX_ATTEMPTS || !isRetryableAbort(err)) throw err;
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 20 * attempt));
    }
  }
}

const MAX_ATTEMPTS = 3;
/** deadlock_detected, serialization_failure: the transaction was aborted and can run again. */
const retryableCodes = new Set(['40P01', '40001']);

function isRetryableAbort(err: unknown): boolean {
  const seen = new Set<unknown>();
  let current: unknown = err;
  // drizzle wraps the driver's error in `cause`.
  while (current && typeof current === 'object' && !seen.has(current)) {
    seen.add(current);
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && retryableCodes.has(code)) return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}

/**
 * Registers work for after the commit of the transaction `db` belongs to: waking the outbox relay,
 * publishing live events. Outside a transaction (`db` is the pool, every statement commits on its
 * own) the work runs at once. It must not throw: the data is committed whatever it does.
 */
export function afterCommit(db: Db, hook: AfterCommit): void {
  const scope = scopes.get(db);
  if (scope) scope.hooks.push(hook);
  else void runHooks([hook]);
}

/** Sets what wakes the outbox relay when a commit on `db` (or a transaction of it) wrote rows. */
export function setOutboxWaker(db: Db, wake: () => void): void {
  outboxWakers.set(db, wake);
}

/** Wakes the outbox relay after the commit of `db`'s transaction (called by enqueueOutbox). */
export function wakeOutboxAfterCommit(db: Db): void {
  const scope = scopes.get(db);
  const wake = outboxWakers.get(scope?.root ?? db);
  if (!wake || scope?.wakesOutbox) return;
  if (scope) scope.wakesOutbox = true;
  afterCommit(db, wake);
}

async function runHooks(hooks: AfterCommit[]): Promise<void> {
  for (const hook of hooks) {
    try {
      await hook();
    } catch (err) {
      // The transaction is committed; failing the caller now would report a change as not made.
      process.emitWarning(err instanceof Error ? err : new Error(String(err)), 'AfterCommitError');
    }
  }
}
