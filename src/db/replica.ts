import { sql } from 'drizzle-orm';
import type { Logger } from 'pino';
import type { Database, Db } from './client.js';
import { rowsOf } from './rows.js';

/**
 * Reads that tolerate a little staleness (ticket lists, the inbox queue, the dashboard and the
 * metrics API) served from a streaming
 * replica (DATABASE_REPLICA_URL). Two rules keep them honest:
 *
 * - **Bounded lag.** Every `pollMs` the primary's WAL position is sampled, then the replica's
 *   replayed position. The replica's lag is how long ago the primary was where the replica is now;
 *   past `maxLagMs` (or before the first sample, or when the replica does not answer) reads go to
 *   the primary.
 * - **Read your writes.** After a write, the writer is given the primary's WAL position (a
 *   cookie, or a header for API clients); its reads go to the primary until the replica has
 *   replayed that far. Other people's reads may be up to `maxLagMs` old.
 *
 * Writes, and reads inside a step that must see its own or another step's writes, always use the
 * primary (`deps.db`): only handlers that ask for `route()` read from the replica.
 */
export interface ReadReplica {
  /**
   * Where a read goes, given the positions it must see: the reader's last write, and for reads
   * of derived data the position after that data was last brought up to date (null: none).
   */
  route(...mustSee: Array<string | null>): Db;
  /** The primary's WAL position now: what the writer's next reads must see. */
  primaryLsn(): Promise<string>;
  /** Milliseconds the replica is behind (null: unknown, so unused). */
  lagMs(): number | null;
  /** Samples both servers once now (tests; otherwise every `pollMs`). */
  poll(): Promise<void>;
  close(): Promise<void>;
}

/** A WAL position (`16/B374D848`) as a number, or null when it is not one. */
export function parseLsn(text: string | null | undefined): bigint | null {
  const m = /^([0-9A-F]{1,8})\/([0-9A-F]{1,8})$/i.exec(text ?? '');
  return m ? (BigInt(`0x${m[1]}`) << 32n) | BigInt(`0x${m[2]}`) : null;
}

export function createReadReplica(
  primary: Db,
  replica: Database,
  options: { maxLagMs: number; pollMs?: number; log: Logger },
): ReadReplica {
  const pollMs = options.pollMs ?? 200;
  // (time, primary position) samples of the last few lag bounds, oldest first.
  const samples: Array<{ at: number; lsn: bigint }> = [];
  let replayed: bigint | null = null;
  let lag: number | null = null;
  let warned = false;

  const currentLsn = async (db: Db, fn: 'pg_current_wal_lsn' | 'pg_last_wal_replay_lsn') => {
    const [row] = rowsOf<{ lsn: string | null }>(
      await db.execute(sql`select ${sql.raw(fn)}()::text as lsn`),
    );
    return row?.lsn ?? null;
  };

  const poll = async () => {
    try {
      const now = Date.now();
      const primaryAt = parseLsn(await currentLsn(primary, 'pg_current_wal_lsn'));
      if (primaryAt !== null) samples.push({ at: now, lsn: primaryAt });
      while (samples.length > 1 && samples[0]!.at < now - 2 * options.maxLagMs - pollMs) {
        samples.shift();
      }
      replayed = parseLsn(await currentLsn(replica.db, 'pg_last_wal_replay_lsn'));
      if (replayed === null) {
        // Not a standby (or not replaying): never serve reads from it.
        if (!warned)
          options.log.warn(
            'DATABASE_REPLICA_URL is not a streaming replica; reads use the primary',
          );
        warned = true;
        lag = null;
        return;
      }
      // The newest moment the primary was no further than the replica is now.
      const caughtUpWith = samples.findLast((s) => s.lsn <= replayed!);
      lag = caughtUpWith ? now - caughtUpWith.at : null;
    } catch (err) {
      lag = null;
      options.log.debug({ err: (err as Error).message }, 'replica lag check failed');
    }
  };

  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const loop = async () => {
    await poll();
    if (!stopped) {
      // poll() catches its own errors, so the promise the timer drops cannot reject.
      timer = setTimeout(() => void loop(), pollMs);
      timer.unref();
    }
  };
  void loop();

  return {
    route(...mustSee) {
      if (lag === null || lag > options.maxLagMs || replayed === null) return primary;
      for (const position of mustSee) {
        const lsn = parseLsn(position);
        if (lsn !== null && replayed < lsn) return primary;
      }
      return replica.db;
    },
    async primaryLsn() {
      return (await currentLsn(primary, 'pg_current_wal_lsn')) ?? '0/0';
    },
    lagMs: () => lag,
    poll,
    async close() {
      stopped = true;
      clearTimeout(timer);
      await replica.close();
    },
  };
}
