import { sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { rowsOf } from '../db/rows.js';
import type { MetricsFilter, SliceDimension } from './queries.js';

export type SliceValues = Record<SliceDimension, string[]>;

/**
 * The values each slice dimension takes among the tickets created in the period (automated and
 * merged excluded, slice filters ignored so picking one does not hide the others): the choices a
 * filter form offers. One pass over the period's rows, at most `limit` values per dimension.
 */
export async function sliceValues(
  db: Db,
  filter: Pick<MetricsFilter, 'from' | 'to'>,
  limit = 200,
): Promise<SliceValues> {
  const distinct = (col: SliceDimension) =>
    sql`(array_agg(distinct tm.${sql.raw(col)}) filter (where tm.${sql.raw(col)} is not null))[1:${sql.raw(String(Math.trunc(limit)))}]`;
  const [row] = rowsOf<Record<SliceDimension, string[] | null>>(
    await db.execute(sql`select
        ${distinct('category')} as category, ${distinct('team')} as team,
        ${distinct('queue')} as queue, ${distinct('channel')} as channel,
        ${distinct('language')} as language, ${distinct('priority')} as priority
      from ticket_metrics tm
      where tm.created_at >= ${filter.from.toISOString()}::timestamptz
        and tm.created_at < ${filter.to.toISOString()}::timestamptz
        and not tm.automated and not tm.merged and not tm.deleted`),
  );
  return {
    category: row?.category ?? [],
    team: row?.team ?? [],
    queue: row?.queue ?? [],
    channel: row?.channel ?? [],
    language: row?.language ?? [],
    priority: row?.priority ?? [],
  };
}
