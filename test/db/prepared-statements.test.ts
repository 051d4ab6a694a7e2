import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowsOf } from '../../src/db/rows.js';
import { tickets } from '../../src/db/schema/tickets.js';
import { withTransaction } from '../../src/db/tx.js';
import { createTestDatabase, type TestDatabase, usingPostgres } from '../support/db.js';

/**
 * drizzle sends its queries unprepared unless told otherwise (an extra Describe round trip and a
 * server-side parse per query); src/db/client.ts makes postgres.js prepare them, in transactions
 * and savepoints too. Checked on the server: the statement is in the connection's
 * pg_prepared_statements, and running it again does not add another.
 */
describe.skipIf(!usingPostgres())('drizzle queries on Postgres', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await database?.destroy();
  });

  const prepared = async (tx: TestDatabase['db']) =>
    rowsOf<{ statement: string }>(
      await tx.execute(sql`select statement from pg_prepared_statements`),
    ).map((r) => r.statement);

  it('are prepared once per connection, inside transactions and savepoints too', async () => {
    const id = '00000000-0000-4000-8000-000000000000';
    await withTransaction(database.db, async (tx) => {
      for (let i = 0; i < 3; i++) {
        expect(await tx.select().from(tickets).where(eq(tickets.id, id))).toEqual([]);
      }
      await withTransaction(tx, async (savepoint) => {
        await savepoint
          .select({ subject: tickets.subject })
          .from(tickets)
          .where(eq(tickets.id, id));
      });
      const statements = await prepared(tx);
      const full = statements.filter((s) =>
        /^select "id", "source".* from "tickets" where/.test(s),
      );
      expect(full).toHaveLength(1);
      expect(statements.some((s) => /^select "subject" from "tickets" where/.test(s))).toBe(true);
    });
  });
});
