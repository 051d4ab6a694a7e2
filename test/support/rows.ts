import { sql } from 'drizzle-orm';
import type { Db } from '../../src/db/client.js';
import { rowsOf } from '../../src/db/rows.js';

/** Row counts of the intake tables, to assert "nothing new was written". */
export async function countRows(db: Db) {
  const [r] = rowsOf<{ t: number; m: number; i: number; o: number; e: number }>(
    await db.execute(sql`
      select (select count(*) from tickets)::int as t,
             (select count(*) from messages)::int as m,
             (select count(*) from inbox_events)::int as i,
             (select count(*) from outbox)::int as o,
             (select count(*) from ticket_events)::int as e`),
  );
  return { tickets: r!.t, messages: r!.m, inboxEvents: r!.i, outbox: r!.o, ticketEvents: r!.e };
}
