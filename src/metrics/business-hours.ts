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

/**
 * The instant `seconds` of business time after `start`, as a SQL expression (the inverse of
 * businessSecondsSql): walks the local business days from `start`'s day, each contributing its
 * window's overlap with [start, ∞), and stops in the day where the running total reaches the
 * target. Window edges go through `AT TIME ZONE`, so DST days count their real length. The walk is
 * bounded by the number of calendar weeks the target can need, plus one.
 */
export function businessDeadlineSql(
  start: SQL,
  seconds: SQL,
  hours: BusinessHours,
  timeZone: string,
): SQL {
  const days = sql.raw(`'{${hours.days.join(',')}}'::int[]`);
  const minutes = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3));
  const weekly = (minutes(hours.end) - minutes(hours.start)) * 60 * hours.days.length;
  const windowStart = sql`greatest(${start}, (d + ${hours.start}::time) at time zone ${timeZone})`;
  return sql`(select w.s + make_interval(secs => (${seconds}) - w.before)
    from (
      select x.d, x.s, x.len,
        coalesce(sum(x.len) over (order by x.d rows between unbounded preceding and 1 preceding), 0)
          as before
      from (
        select d, ${windowStart} as s,
          extract(epoch from (d + ${hours.end}::time) at time zone ${timeZone} - ${windowStart})
            as len
        from generate_series((${start} at time zone ${timeZone})::date::timestamp,
          (${start} at time zone ${timeZone})::date::timestamp
            + (ceil((${seconds}) / ${sql.raw(String(weekly))}.0)::int * 7 + 7) * interval '1 day',
          interval '1 day') as d
        where extract(isodow from d)::int = any(${days})
      ) x
      where x.len > 0
    ) w
    where w.before < (${seconds}) and w.before + w.len >= (${seconds})
    order by w.d limit 1)`;
}

/** `start` + `seconds` of business time, computed by Postgres (drafting and tests use it). */
export async function businessDeadline(
  db: Db,
  start: Date,
  seconds: number,
  hours: BusinessHours,
  timeZone: string,
): Promise<Date> {
  const expr = businessDeadlineSql(
    sql`${start.toISOString()}::timestamptz`,
    sql`${seconds}::float8`,
    hours,
    timeZone,
  );
  const [row] = rowsOf<{ at: string | Date }>(await db.execute(sql`select ${expr} as at`));
  return new Date(row!.at);
}
