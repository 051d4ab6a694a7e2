import type { Context, MiddlewareHandler } from 'hono';
import { getCookie } from 'hono/cookie';
import type { Db } from '../db/client.js';
import type { Deps } from '../deps.js';

/** The primary's WAL position after the client's last write (src/db/replica.ts). */
const COOKIE = 'dp_lsn';
const HEADER = 'X-Deskpilot-Lsn';

/**
 * With a read replica: a write (any method but GET/HEAD answered below 400) tells its client the
 * primary's WAL position, as a cookie (pages) and a header (API clients echo it back), so that
 * client's next reads go to the primary until the replica has replayed its write.
 */
export function readYourWrites(deps: Pick<Deps, 'replica'>): MiddlewareHandler {
  return async (c, next) => {
    await next();
    if (!deps.replica || c.req.method === 'GET' || c.req.method === 'HEAD') return;
    if (c.res.status >= 400) return;
    try {
      const lsn = await deps.replica.primaryLsn();
      c.res.headers.set(HEADER, lsn);
      c.res.headers.append(
        'Set-Cookie',
        `${COOKIE}=${lsn}; Path=/; HttpOnly; SameSite=Lax; Max-Age=300`,
      );
    } catch {
      // Without it the client's next read may be served by a replica that lags: bounded staleness.
    }
  };
}

/**
 * The database a lag-tolerant read (ticket lists, the inbox queue, the dashboard, the metrics API)
 * uses: the replica when it is fresh enough for this client, else the primary (`deps.db`, which is
 * also the answer without a replica). `alsoSee` is a further position the read must see: where
 * the primary was when the data read (the metrics facts) was last brought up to date.
 *
 * Never for a page that must show what its reader just did without the reader's position (the
 * ticket page, the selected ticket in the inbox): those read `deps.db`.
 */
export function readDb(
  c: Context,
  deps: Pick<Deps, 'db' | 'replica'>,
  alsoSee: string | null = null,
): Db {
  if (!deps.replica) return deps.db;
  return deps.replica.route(c.req.header(HEADER) ?? getCookie(c, COOKIE) ?? null, alsoSee);
}
