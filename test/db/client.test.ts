import { existsSync } from 'node:fs';
import { sql } from 'drizzle-orm';
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

describe('embedded store', () => {
  it('runs with a small shared_buffers, and migrates only a store that is behind', async () => {
    const database = await createDatabase({ pgliteDataDir: 'memory://' });
    const rows = async (query: string) =>
      (
        (await database.db.execute(sql.raw(query))) as unknown as {
          rows: Record<string, unknown>[];
        }
      ).rows;
    const hasUsers = async () =>
      (await rows(`select to_regclass('public.users') is not null as present`))[0]!.present;
    try {
      // PGlite zero-fills all of Postgres' shared memory at every open (see createPglite).
      expect((await rows('show shared_buffers'))[0]!.shared_buffers).toBe('16MB');

      await database.migrate(); // a new store: every migration
      const applied = (
        await rows('select count(*)::int as n from drizzle.__drizzle_migrations')
      )[0]!.n as number;
      expect(applied).toBeGreaterThan(10);
      expect(await hasUsers()).toBe(true);

      await database.migrate(); // current: nothing to do
      expect(
        (await rows('select count(*)::int as n from drizzle.__drizzle_migrations'))[0]!.n,
      ).toBe(applied);

      // A store whose migrations table is behind the journal (here: an emptied one, on an emptied
      // schema): the migrations are applied again.
      await rows('drop schema public cascade');
      await rows('create schema public');
      await rows('delete from drizzle.__drizzle_migrations');
      expect(await hasUsers()).toBe(false);
      await database.migrate();
      expect(await hasUsers()).toBe(true);
      expect(
        (await rows('select count(*)::int as n from drizzle.__drizzle_migrations'))[0]!.n,
      ).toBe(applied);
    } finally {
      await database.close();
    }
  }, 120_000);
});
