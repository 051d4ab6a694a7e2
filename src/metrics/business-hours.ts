import { type SQL, sql } from 'drizzle-orm';
import type { BusinessHours } from '../config/index.js';
import type { Db } from '../db/client.js';
import { rowsOf } from '../db/rows.js';

/**
 * Seconds of business time between two timestamptz expressions, as a SQL expression.
 *
 * Each local calendar day the interval touches (in `timeZone`) contributes the overlap of the
 * interval with that day's window, when the day is a business day. The window's wall-clock start
 * and end are turned into instants with `AT TIME ZONE`, so a day on which the clocks change is
 * measured in real elapsed seconds (e.g. 09:00–17:00 is still 8 h, and 01:00–04:00 on the night
 * of the spring change is 2 h). Weekends and non-business days contribute nothing. Null when
 * either end is null.
 */
export function businessSecondsSql(
  start: SQL,
  end: SQL,
  hours: BusinessHours,
  timeZone: string,
): SQL {
  const days = sql.raw(`'{${hours.days.join(',')}}'::int[]`);
  return sql`(case when ${start} is null or ${end} is null then null else (
    select coalesce(sum(greatest(0, extract(epoch from
      least(${end}, (d + ${hours.end}::time) at time zone ${timeZone})
      - greatest(${start}, (d + ${hours.start}::time) at time zone ${timeZone})))), 0)::float8
    from generate_series((${start} at time zone ${timeZone})::date::timestamp,
                         (${end} at time zone ${timeZone})::date::timestamp,
                         interval '1 day') as d
    where extract(isodow from d)::int = any(${days})
  ) end)`;
}

/** Business seconds between two instants, computed by Postgres (used by tests and tools). */
export async function businessSeconds(
  db: Db,
  from: Date,
  to: Date,
  hours: BusinessHours,
  timeZone: string,
): Promise<number> {
  const expr = businessSecondsSql(
    sql`${from.toISOString()}::timestamptz`,
    sql`${to.toISOString()}::timestamptz`,
    hours,
    timeZone,
  );
  const [row] = rowsOf<{ s: number }>(await db.execute(sql`select ${expr} as s`));
  return Number(row?.s ?? 0);
}
