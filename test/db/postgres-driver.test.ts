import net from 'node:net';
import postgres from 'postgres';
import { describe, expect, it } from 'vitest';
import { usingPostgres } from '../support/db.js';

/**
 * postgres.js 3.4.9 defers small writes to a setImmediate and, when the socket closes first,
 * cancels that timer without forgetting it: the connection's next startup message is never sent
 * and every later connect hangs until connect_timeout (seen as 503s after a Postgres outage in
 * test/faults/postgres-outage). patches/postgres+3.4.9.patch fixes it; this proves the patch is
 * applied (npm's postinstall) and works, deterministically, with a socket the test controls.
 */
describe.skipIf(!usingPostgres())('postgres.js after a socket closes with a write pending', () => {
  it('reconnects and answers the next query', async () => {
    const url = new URL(process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test');
    const sockets: net.Socket[] = [];
    // `socket` (a socket factory) is a documented option missing from postgres.js's types.
    const options = {
      max: 1,
      connect_timeout: 2,
      backoff: () => 0,
      onnotice: () => {},
      socket: () => {
        const socket = net.connect(Number(url.port || 5432), url.hostname);
        sockets.push(socket);
        return socket;
      },
    } as postgres.Options<Record<string, postgres.PostgresType>>;
    const sql = postgres(url.toString(), options);
    try {
      expect(await sql`select 1 as one`).toEqual([{ one: 1 }]);
      // A short query issued from an immediate is buffered for the next loop iteration's
      // immediates; the socket dies in between (its close callback runs in this iteration).
      const { pending } = await new Promise<{ pending: Promise<unknown> }>((resolve) => {
        setImmediate(() => {
          const query = sql`select 2 as two`.execute();
          query.catch(() => {});
          resolve({ pending: query });
        });
        setImmediate(() => sockets[0]?.destroy());
      });
      await expect(pending).rejects.toMatchObject({ code: 'CONNECTION_CLOSED' });

      // Unpatched, this connect never sends its startup message and fails with CONNECT_TIMEOUT.
      expect(await sql`select 3 as three`).toEqual([{ three: 3 }]);
      expect(sockets.length).toBe(2);
    } finally {
      await sql.end({ timeout: 1 });
    }
  });
});
