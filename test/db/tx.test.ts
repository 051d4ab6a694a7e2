import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { enqueueOutbox } from '../../src/db/queries/outbox.js';
import { afterCommit, withTransaction } from '../../src/db/tx.js';
import { fileTestDeps } from '../support/fixtures.js';

/** The after-commit hook of the transaction helper, on real Postgres. */
const deps = await fileTestDeps();

const outboxRows = async () =>
  Number(
    (
      (await deps.db.execute(sql`select count(*)::int as n from outbox`)) as unknown as {
        n: number;
      }[]
    )[0]!.n,
  );

describe('withTransaction + afterCommit', () => {
  it('runs the work after the commit, when other connections see the data', async () => {
    const seen: number[] = [];
    const before = await outboxRows();
    await withTransaction(deps.db, async (tx) => {
      await enqueueOutbox(tx, 'retrain', { reason: 'manual' });
      // Read on the pool, not on tx: only a committed row is visible there.
      afterCommit(tx, async () => {
        seen.push(await outboxRows());
      });
      expect(seen).toEqual([]);
    });
    expect(seen).toEqual([before + 1]);
  });

  it('drops the work of a rolled-back transaction, and of a rolled-back savepoint only', async () => {
    const ran: string[] = [];
    await expect(
      withTransaction(deps.db, async (tx) => {
        afterCommit(tx, () => ran.push('outer'));
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    expect(ran).toEqual([]);

    await withTransaction(deps.db, async (tx) => {
      afterCommit(tx, () => ran.push('outer'));
      await withTransaction(tx, async (inner) => {
        afterCommit(inner, () => ran.push('kept savepoint'));
      });
      await withTransaction(tx, async (inner) => {
        afterCommit(inner, () => ran.push('dropped savepoint'));
        throw new Error('savepoint');
      }).catch(() => {});
      expect(ran).toEqual([]);
    });
    expect(ran).toEqual(['outer', 'kept savepoint']);
  });

  it('outside a transaction the work runs at once', async () => {
    const ran: string[] = [];
    afterCommit(deps.db, () => ran.push('now'));
    await new Promise((r) => setImmediate(r));
    expect(ran).toEqual(['now']);
  });

  it('a commit that wrote outbox rows wakes the relay once, a rolled-back one never', async () => {
    let wakes = 0;
    deps.notifyOutbox = () => wakes++;
    await withTransaction(deps.db, async (tx) => {
      await enqueueOutbox(tx, 'retrain', { reason: 'manual' });
      await enqueueOutbox(tx, 'retrain', { reason: 'import' });
      expect(wakes).toBe(0);
    });
    expect(wakes).toBe(1);
    await withTransaction(deps.db, async (tx) => {
      await enqueueOutbox(tx, 'retrain', { reason: 'manual' });
      throw new Error('no');
    }).catch(() => {});
    expect(wakes).toBe(1);
  });

  it('a deadlock victim runs again and both transactions commit', async () => {
    // Two transactions lock the same two rows in opposite orders, each waiting for the other:
    // Postgres aborts one (deadlock_detected), which withTransaction runs again.
    await deps.db.execute(sql`create table deadlock_probe (id int primary key, n int not null)`);
    await deps.db.execute(sql`insert into deadlock_probe values (1, 0), (2, 0)`);
    let runs = 0;
    let release!: () => void;
    const bothLocked = new Promise<void>((resolve) => {
      let locked = 0;
      release = () => {
        locked++;
        if (locked === 2) resolve();
      };
    });
    const bump = (first: number, second: number) =>
      withTransaction(deps.db, async (tx) => {
        runs++;
        await tx.execute(sql`update deadlock_probe set n = n + 1 where id = ${first}`);
        release();
        // Once both hold their first row (a retry finds this already resolved).
        await bothLocked;
        await tx.execute(sql`update deadlock_probe set n = n + 1 where id = ${second}`);
      });
    await Promise.all([bump(1, 2), bump(2, 1)]);
    expect(runs).toBe(3);
    const rows = (await deps.db.execute(
      sql`select n from deadlock_probe order by id`,
    )) as unknown as { n: number }[];
    expect(rows.map((r) => r.n)).toEqual([2, 2]);
  });

  it('other errors are not retried', async () => {
    let runs = 0;
    await expect(
      withTransaction(deps.db, async (tx) => {
        runs++;
        await tx.execute(sql`select 1/0`);
      }),
    ).rejects.toThrow();
    expect(runs).toBe(1);
  });
});
