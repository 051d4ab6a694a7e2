import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createDatabase, socketDirOf } from '../../src/db/client.js';

describe('socketDirOf', () => {
  it('takes a libpq-style socket directory out of the URL', () => {
    expect(socketDirOf('postgres://app@localhost:5432/deskpilot?host=/var/run/postgresql')).toEqual(
      {
        url: 'postgres://app@localhost:5432/deskpilot',
        host: '/var/run/postgresql',
      },
    );
  });

  it('keeps other parameters and leaves TCP URLs alone', () => {
    expect(socketDirOf('postgres://app@db:5432/x?sslmode=require&host=/tmp')).toEqual({
      url: 'postgres://app@db:5432/x?sslmode=require',
      host: '/tmp',
    });
    expect(socketDirOf('postgres://app@db:5432/x?sslmode=require')).toEqual({
      url: 'postgres://app@db:5432/x?sslmode=require',
    });
    // Only a path names a socket directory; libpq reads anything else as a host name.
    expect(socketDirOf('postgres://app@db/x?host=other')).toEqual({
      url: 'postgres://app@db/x?host=other',
    });
  });

  // The machine's own server, when it has one on the usual Debian socket (CI and this image do).
  it.runIf(existsSync('/var/run/postgresql/.s.PGSQL.5432'))(
    'connects over the Unix socket',
    async () => {
      const db = await createDatabase({
        url: 'postgres://postgres@localhost:5432/postgres?host=/var/run/postgresql',
        poolMax: 1,
      });
      try {
        const [row] = (await db.db.execute(
          'select inet_server_addr() as addr' as never,
        )) as unknown as { addr: string | null }[];
        // No server address: the session came in over the socket, not TCP.
        expect(row!.addr).toBeNull();
      } finally {
        await db.close();
      }
    },
  );
});
