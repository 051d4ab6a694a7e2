import { z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { Db } from '../../../db/client.js';
import type { Deps } from '../../../deps.js';
import {
  bases,
  type MetricsFilter,
  refreshTicketMetrics,
  resolvePeriod,
  sliceDimensions,
  toCsv,
} from '../../../metrics/index.js';
import { AppError } from '../../errors.js';
import { readDb } from '../../read-db.js';

/** Query parameters every metrics endpoint takes. */
export const filterQuery = z.object({
  from: z.iso.datetime({ offset: true }).or(z.iso.date()).optional().openapi({
    description:
      'Start of the period: a date (that whole day in TIME_ZONE) or an instant with an offset, whose offset then also places the days of a time series (`timeZone` in the answer) (default: 29 days before `to`)',
  }),
  to: z.iso.datetime({ offset: true }).or(z.iso.date()).optional().openapi({
    description:
      'End of the period: a date is inclusive (that whole day in TIME_ZONE), an instant exclusive (default: today in TIME_ZONE)',
  }),
  basis: z.enum(bases).default('created').openapi({
    description: 'created: tickets created in the period; solved: tickets (last) solved in it',
  }),
  category: z.string().optional(),
  team: z.string().optional(),
  queue: z.string().optional(),
  channel: z.string().optional(),
  language: z.string().optional(),
  priority: z.string().optional(),
  ahtMinutes: z.coerce
    .number()
    .positive()
    .max(600)
    .optional()
    .openapi({ description: 'Minutes to write a reply by hand, for the time-saved estimate (6)' }),
  format: z.enum(['json', 'csv']).optional().openapi({ description: 'or send Accept: text/csv' }),
});
export type FilterQuery = z.infer<typeof filterQuery>;

/**
 * The query's period under the one rule the API and the dashboard share (resolvePeriod): dates are
 * whole days in TIME_ZONE, `to` inclusive; instants are taken as they are, `to` exclusive, and a
 * series is then bucketed in the instants' own offset.
 */
async function toFilter(deps: Pick<Deps, 'db' | 'config'>, q: FilterQuery): Promise<MetricsFilter> {
  const { from, to, timeZone } = await resolvePeriod(deps.db, deps.config.TIME_ZONE, q);
  if (from >= to) throw new AppError('validation_failed', '`from` must be before `to`');
  const slices: MetricsFilter['slices'] = {};
  for (const dim of sliceDimensions) if (q[dim] !== undefined) slices[dim] = q[dim];
  return { from, to, basis: q.basis, slices, ahtMinutes: q.ahtMinutes, timeZone };
}

/** What every JSON answer states about its period: the instants, the zone and the basis. */
export function periodEcho(deps: Pick<Deps, 'config'>, filter: MetricsFilter) {
  return {
    from: filter.from.toISOString(),
    to: filter.to.toISOString(),
    // The zone the period's days and a series' buckets are counted in (resolvePeriod).
    timeZone: filter.timeZone ?? deps.config.TIME_ZONE,
    basis: filter.basis ?? 'created',
  };
}

const periodEchoSchema = {
  from: z.string(),
  to: z.string(),
  timeZone: z.string(),
  basis: z.enum(bases),
};

/**
 * The one answer of a metrics route: an object of the period (`periodEcho`) and `fields` as JSON,
 * or CSV (`format=csv` or Accept).
 */
export function jsonOrCsv<T extends z.ZodRawShape>(description: string, fields: T) {
  const schema = z.object({ ...periodEchoSchema, ...fields });
  return {
    200: {
      description,
      content: { 'application/json': { schema }, 'text/csv': { schema: z.string() } },
    },
  } as const;
}

/**
 * Resolves a query's filter (toFilter), brings the facts table up to date (`fresh`), and picks
 * where to read the facts: the replica once it has replayed that refresh, else the primary.
 */
type FilterOf = (c: Context, q: FilterQuery) => Promise<{ filter: MetricsFilter; db: Db }>;

/** What every metrics operation registers with: the container and the one `filterOf` they share. */
export interface MetricsRouteDeps extends Deps {
  filterOf: FilterOf;
}

export function freshFilter(
  deps: Pick<Deps, 'db' | 'config' | 'replica'>,
  fresh: Freshness,
): FilterOf {
  return async (c, q) => {
    const filter = await toFilter(deps, q);
    const refreshedAt = await fresh();
    return { filter, db: readDb(c, deps, refreshedAt) };
  };
}

function wantsCsv(c: Context, q: FilterQuery): boolean {
  if (q.format) return q.format === 'csv';
  return /\btext\/csv\b/i.test(c.req.header('accept') ?? '');
}

/**
 * The CSV answer (`name`.csv) when the caller asked for CSV (`format=csv` or Accept: text/csv),
 * else null: the route then answers JSON.
 */
export function csvIfAsked(
  c: Context,
  q: FilterQuery,
  csv: () => { rows: readonly object[]; name: string },
): Response | null {
  if (!wantsCsv(c, q)) return null;
  const { rows, name } = csv();
  return new Response(toCsv(rows), {
    status: 200,
    headers: {
      'content-type': 'text/csv; charset=utf-8',
      'content-disposition': `attachment; filename="${name}.csv"`,
    },
  });
}

/**
 * Brings the facts up to date; resolves to the primary's WAL position right after the last
 * refresh (null without a replica), which a read of the facts from the replica must see.
 */
export type Freshness = () => Promise<string | null>;

/**
 * Dashboards read `ticket_metrics`; before answering, bring it up to date incrementally, at most
 * once per METRICS_REFRESH_SECONDS (15 s) per process (a dashboard does not need fresher numbers,
 * and concurrent viewers should not each rescan the recent writes). The refresh writes to the
 * primary; the facts may be read from a replica that has replayed it (readDb), never from one
 * still before it.
 */
export function createFreshness(
  deps: Pick<Deps, 'db' | 'config' | 'replica'>,
  maxAgeMs = deps.config.METRICS_REFRESH_SECONDS * 1000,
): Freshness {
  let last = 0;
  let refreshedAt: string | null = null;
  let running: Promise<unknown> | null = null;
  return async () => {
    if (Date.now() - last < maxAgeMs) return refreshedAt;
    running ??= (async () => {
      await refreshTicketMetrics(deps.db, deps.config);
      refreshedAt = deps.replica ? await deps.replica.primaryLsn() : null;
    })().finally(() => {
      last = Date.now();
      running = null;
    });
    await running;
    return refreshedAt;
  };
}
