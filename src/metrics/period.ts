import { sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { rowsOf } from '../db/rows.js';

/** Default window: the 30 calendar days up to and including today. */
export const DEFAULT_PERIOD_DAYS = 30;

export interface PeriodInput {
  /** A calendar date (YYYY-MM-DD) in the team's time zone, or an instant with an offset. */
  from?: string;
  /** A calendar date, inclusive (the whole day), or an instant, exclusive. */
  to?: string;
}

export interface ResolvedPeriod {
  /** [from, to) as instants. */
  from: Date;
  to: Date;
  /** The calendar days in the time zone when the input was dates (or defaulted), else null. */
  fromDay: string | null;
  toDay: string | null;
  /**
   * The zone the period's days are counted in, and so a series' day and week buckets: TIME_ZONE
   * when the period is given as dates (or defaulted); when `from` (else `to`) is an instant, the
   * offset it was written with ('UTC' for `Z`, else '+hh:mm'), so a March query in UTC instants
   * has no "April 1" bucket.
   */
  timeZone: string;
}

const isDay = (v: string | undefined): v is string => Boolean(v && /^\d{4}-\d{2}-\d{2}$/.test(v));

/** The UTC offset an instant was written with: 'UTC' for Z or ±00:00, else '+hh:mm'. */
function offsetOf(instant: string): string {
  const m = /([+-])(\d{2}):?(\d{2})?$/.exec(instant);
  if (!m) return 'UTC';
  const hhmm = `${m[2]}:${m[3] ?? '00'}`;
  return hhmm === '00:00' ? 'UTC' : `${m[1]}${hhmm}`;
}

/**
 * The one rule for every metric, API and dashboard alike: a date means that whole calendar day in
 * TIME_ZONE (so `to` is inclusive), an instant with an offset is taken as is (`to` exclusive).
 * Unset: the 30 days up to and including today in TIME_ZONE. Day starts come from Postgres
 * (`date::timestamp AT TIME ZONE zone`), which is right on days whose local midnight does not
 * exist (America/Santiago 2026-09-06 starts at 01:00 local), as business hours already are.
 */
export async function resolvePeriod(
  db: Db,
  timeZone: string,
  input: PeriodInput,
): Promise<ResolvedPeriod> {
  const today = sql`(now() at time zone ${timeZone})::date`;
  const toDay = isDay(input.to)
    ? sql`${input.to}::date`
    : input.to
      ? sql`null::date`
      : isDay(input.from)
        ? sql`greatest(${input.from}::date, ${today})`
        : today;
  const toInstant = Boolean(input.to) && !isDay(input.to);
  const fromDay = isDay(input.from)
    ? sql`${input.from}::date`
    : input.from || toInstant
      ? sql`null::date`
      : sql`(${toDay}) - ${DEFAULT_PERIOD_DAYS - 1}::int`;
  const [row] = rowsOf<{ from_day: string | null; to_day: string | null; f: unknown; t: unknown }>(
    await db.execute(sql`select to_char(x.fd, 'YYYY-MM-DD') as from_day,
        to_char(x.td, 'YYYY-MM-DD') as to_day,
        coalesce(x.fd::timestamp at time zone ${timeZone}, ${input.from && !isDay(input.from) ? input.from : null}::timestamptz) as f,
        coalesce((x.td + 1)::timestamp at time zone ${timeZone}, ${input.to && !isDay(input.to) ? input.to : null}::timestamptz) as t
      from (select ${fromDay} as fd, ${toDay} as td) x`),
  );
  let from = row?.f ? new Date(row.f as string) : null;
  const to = new Date(row!.t as string);
  // An instant `to` with no `from`: the 30 days before it.
  from ??= new Date(to.getTime() - DEFAULT_PERIOD_DAYS * 86_400_000);
  const given = input.from ?? input.to;
  return {
    from,
    to,
    fromDay: row?.from_day ?? null,
    toDay: row?.to_day ?? null,
    timeZone: given && !isDay(given) ? offsetOf(given) : timeZone,
  };
}
