import { z } from 'zod';
import type { Deps } from '../../deps.js';
import {
  type ClassifierMetrics,
  classifierMetrics,
  type MetricsFilter,
  type MetricsSummary,
  type MetricValues,
  metricNames,
  metricsBy,
  metricsSummary,
  type Period,
  periods,
  type SliceDimension,
} from '../../metrics/index.js';
import { type SliceValues, sliceValues } from '../../metrics/slice-values.js';

/** The slices the dashboard filters by (queue is left to the API: teams route by team). */
export const dashboardDimensions = [
  'channel',
  'category',
  'team',
  'priority',
  'language',
] as const satisfies readonly SliceDimension[];
export type DashboardDimension = (typeof dashboardDimensions)[number];

const DAY_MS = 86_400_000;
/** Default window: the 30 days up to and including today. */
const DEFAULT_DAYS = 30;
/** Beyond this many periods the series is not padded with empty periods (charts stay legible). */
const MAX_FILLED_PERIODS = 1000;

const isoDay = z.iso.date();
const sliceParam = z
  .string()
  .trim()
  .max(100)
  .optional()
  .catch(undefined)
  .transform((v) => v || undefined);

/** GET parameters of the dashboard and its CSV exports; bad values fall back to defaults. */
const dashboardQuery = z.object({
  from: isoDay.optional().catch(undefined),
  to: isoDay.optional().catch(undefined),
  period: z.enum(periods).catch('day'),
  channel: sliceParam,
  category: sliceParam,
  team: sliceParam,
  priority: sliceParam,
  language: sliceParam,
});

/**
 * What the manager asked for, in the form's terms: calendar days in BUSINESS_TIMEZONE, `to`
 * inclusive (the metrics functions take instants, `to` exclusive — see `toMetricsFilter`).
 */
export interface DashboardParams {
  from: string;
  to: string;
  period: Period;
  slices: Partial<Record<DashboardDimension, string>>;
}

export interface ParsedDashboardQuery {
  params: DashboardParams;
  filter: MetricsFilter;
  /** Why the requested range was replaced by the default one. */
  error?: string;
}

/** The calendar date (YYYY-MM-DD) of an instant in a time zone. */
export function localDay(at: Date, timeZone: string): string {
  // en-CA formats dates as YYYY-MM-DD.
  return new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).format(at);
}

/** How far `timeZone` is ahead of UTC at instant `t`, in ms. */
function zoneOffset(t: number, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  }).formatToParts(new Date(t));
  const n = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  const wall = Date.UTC(n('year'), n('month') - 1, n('day'), n('hour'), n('minute'), n('second'));
  return wall - Math.floor(t / 1000) * 1000;
}

/** The instant local midnight starts `day` in `timeZone` (twice, so a DST change is honoured). */
export function zonedMidnight(day: string, timeZone: string): Date {
  const wall = Date.parse(`${day}T00:00:00Z`);
  const guess = wall - zoneOffset(wall, timeZone);
  return new Date(wall - zoneOffset(guess, timeZone));
}

/** Calendar arithmetic on YYYY-MM-DD strings (no time zone involved). */
export function addDays(day: string, days: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
}

export function toMetricsFilter(params: DashboardParams, timeZone: string): MetricsFilter {
  return {
    from: zonedMidnight(params.from, timeZone),
    to: zonedMidnight(addDays(params.to, 1), timeZone),
    slices: { ...params.slices },
  };
}

export function parseDashboardQuery(
  query: Record<string, string>,
  timeZone: string,
  now: Date,
): ParsedDashboardQuery {
  const q = dashboardQuery.parse(query);
  const slices: DashboardParams['slices'] = {};
  for (const dim of dashboardDimensions) if (q[dim]) slices[dim] = q[dim];
  const today = localDay(now, timeZone);
  let to = q.to ?? today;
  let from = q.from ?? addDays(to, -(DEFAULT_DAYS - 1));
  let error: string | undefined;
  if (from > to) {
    error = `“From” (${from}) is after “To” (${to}); showing the last ${DEFAULT_DAYS} days.`;
    to = today;
    from = addDays(today, -(DEFAULT_DAYS - 1));
  }
  const params: DashboardParams = { from, to, period: q.period, slices };
  return { params, filter: toMetricsFilter(params, timeZone), error };
}

/** The query string that reproduces `params` (links, CSV exports). */
export function dashboardSearch(params: DashboardParams): string {
  const search = new URLSearchParams({ from: params.from, to: params.to, period: params.period });
  for (const dim of dashboardDimensions) {
    const value = params.slices[dim];
    if (value) search.set(dim, value);
  }
  return search.toString();
}

export type SeriesPoint = { key: string } & MetricValues;

const countMetrics = new Set<keyof MetricValues>([
  'tickets',
  'solved',
  'replied',
  'solvedWithoutReply',
  'draftsShown',
  'draftsRejected',
  'timeSavedHours',
]);

function emptyPoint(key: string): SeriesPoint {
  const point: Record<string, string | number | null> = { key };
  for (const name of metricNames) point[name] = countMetrics.has(name) ? 0 : null;
  return point as unknown as SeriesPoint;
}

/**
 * Period start dates covering [from, to] (inclusive calendar days): days, or weeks starting on
 * Monday like Postgres' date_trunc('week') — the keys `metricsBy` returns.
 */
export function periodKeys(from: string, to: string, period: Period): string[] {
  let start = from;
  if (period === 'week') {
    const isoDow = new Date(`${from}T00:00:00Z`).getUTCDay() || 7;
    start = addDays(from, 1 - isoDow);
  }
  const step = period === 'week' ? 7 : 1;
  const keys: string[] = [];
  for (let key = start; key <= to && keys.length <= MAX_FILLED_PERIODS; key = addDays(key, step)) {
    keys.push(key);
  }
  return keys;
}

/** Every period of the range, those without tickets as zero counts and empty rates. */
export function fillSeries(
  rows: SeriesPoint[],
  params: Pick<DashboardParams, 'from' | 'to' | 'period'>,
): SeriesPoint[] {
  const keys = periodKeys(params.from, params.to, params.period);
  if (keys.length > MAX_FILLED_PERIODS) return rows;
  const byKey = new Map(rows.map((r) => [r.key, r]));
  // Rows outside the keys cannot happen for a consistent time zone; keep them rather than drop.
  const extra = rows.filter((r) => !keys.includes(r.key));
  return [...keys.map((k) => byKey.get(k) ?? emptyPoint(k)), ...extra].sort((a, b) =>
    a.key.localeCompare(b.key),
  );
}

export interface DashboardData {
  params: DashboardParams;
  filter: MetricsFilter;
  timeZone: string;
  summary: MetricsSummary;
  series: SeriesPoint[];
  byCategory: SeriesPoint[];
  classifier: ClassifierMetrics;
  options: SliceValues;
}

type DashboardDeps = Pick<Deps, 'db' | 'config'>;

/** Everything the dashboard shows, read with the same functions as /api/metrics/*. */
export async function loadDashboard(
  deps: DashboardDeps,
  params: DashboardParams,
): Promise<DashboardData> {
  const timeZone = deps.config.BUSINESS_TIMEZONE;
  const filter = toMetricsFilter(params, timeZone);
  const [summary, series, byCategory, classifier, options] = await Promise.all([
    metricsSummary(deps.db, deps.config, filter),
    metricsBy(deps.db, deps.config, filter, params.period),
    metricsBy(deps.db, deps.config, filter, 'category'),
    classifierMetrics(deps.db, deps.config, filter),
    sliceValues(deps.db, filter),
  ]);
  return {
    params,
    filter,
    timeZone,
    summary,
    series: fillSeries(series, params),
    byCategory,
    classifier,
    options,
  };
}

/** The dashboard's sections that export as CSV, each with the rows it shows. */
export const csvSections = [
  'summary',
  'timeseries',
  'by-category',
  'confusions',
  'rejection-reasons',
] as const;
export type CsvSection = (typeof csvSections)[number];

export async function dashboardCsv(
  deps: DashboardDeps,
  params: DashboardParams,
  section: CsvSection,
): Promise<{ rows: object[]; columns: string[]; name: string }> {
  const filter = toMetricsFilter(params, deps.config.BUSINESS_TIMEZONE);
  const name = `deskpilot-${section}_${params.from}_${params.to}`;
  const range = { from: filter.from.toISOString(), to: filter.to.toISOString() };
  // Columns are explicit so an empty export still has its header row.
  const valueColumns = ['key', ...metricNames];
  switch (section) {
    case 'summary': {
      const { rejectionReasons, ...flat } = await metricsSummary(deps.db, deps.config, filter);
      const row = {
        ...range,
        ...flat,
        rejectionReasons: rejectionReasons.map((r) => `${r.reason}:${r.count}`).join(';'),
      };
      return { rows: [row], columns: Object.keys(row), name };
    }
    case 'timeseries': {
      const rows = await metricsBy(deps.db, deps.config, filter, params.period);
      return {
        rows: fillSeries(rows, params),
        columns: valueColumns,
        name: `${name}_${params.period}`,
      };
    }
    case 'by-category':
      return {
        rows: await metricsBy(deps.db, deps.config, filter, 'category'),
        columns: valueColumns,
        name,
      };
    case 'confusions':
      return {
        rows: (await classifierMetrics(deps.db, deps.config, filter)).confusions,
        columns: ['predicted', 'corrected', 'count'],
        name,
      };
    case 'rejection-reasons':
      return {
        rows: (await metricsSummary(deps.db, deps.config, filter)).rejectionReasons,
        columns: ['reason', 'count'],
        name,
      };
  }
}
