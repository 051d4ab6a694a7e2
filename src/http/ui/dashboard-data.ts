import { z } from 'zod';
import type { Db } from '../../db/client.js';
import type { Deps } from '../../deps.js';
import {
  type Basis,
  bases,
  type ClassifierMetrics,
  classifierMetrics,
  DEFAULT_AHT_MINUTES,
  DEFAULT_PERIOD_DAYS,
  type MetricsFilter,
  type MetricsSummary,
  type MetricValues,
  metricNames,
  metricsBy,
  metricsSummary,
  type Period,
  periods,
  resolvePeriod,
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
  basis: z.enum(bases).catch('created'),
  channel: sliceParam,
  category: sliceParam,
  team: sliceParam,
  priority: sliceParam,
  language: sliceParam,
  /** Minutes per hand-written reply for the time-saved estimate, as the API's `ahtMinutes`. */
  ahtMinutes: z.coerce.number().positive().max(600).optional().catch(undefined),
});

/**
 * What the manager asked for, in the form's terms: calendar days in TIME_ZONE, `to` inclusive —
 * the same rule as the API (resolvePeriod), so "March" is the same tickets in both.
 */
export interface DashboardParams {
  from: string;
  to: string;
  period: Period;
  basis: Basis;
  slices: Partial<Record<DashboardDimension, string>>;
  /** Minutes per hand-written reply (time saved); unset: DEFAULT_AHT_MINUTES. */
  ahtMinutes?: number;
}

export interface ParsedDashboardQuery {
  params: DashboardParams;
  /** Why the requested range was replaced by the default one. */
  error?: string;
}

/** The calendar date (YYYY-MM-DD) of an instant in a time zone (which day is "today"). */
export function localDay(at: Date, timeZone: string): string {
  // en-CA formats dates as YYYY-MM-DD.
  return new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).format(at);
}

/** Calendar arithmetic on YYYY-MM-DD strings (no time zone involved). */
export function addDays(day: string, days: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
}

/**
 * The instants of the chosen days. Day starts come from Postgres (resolvePeriod), like the API's:
 * right on days whose local midnight does not exist.
 */
export async function toMetricsFilter(
  db: Db,
  params: DashboardParams,
  timeZone: string,
): Promise<MetricsFilter> {
  const period = await resolvePeriod(db, timeZone, { from: params.from, to: params.to });
  return {
    from: period.from,
    to: period.to,
    basis: params.basis,
    slices: { ...params.slices },
    ahtMinutes: params.ahtMinutes ?? DEFAULT_AHT_MINUTES,
    timeZone: period.timeZone,
  };
}

/** The form's parameters; `today` is the current calendar day in TIME_ZONE. */
export function parseDashboardQuery(
  query: Record<string, string>,
  today: string,
): ParsedDashboardQuery {
  const q = dashboardQuery.parse(query);
  const slices: DashboardParams['slices'] = {};
  for (const dim of dashboardDimensions) if (q[dim]) slices[dim] = q[dim];
  let to = q.to ?? today;
  let from = q.from ?? addDays(to, -(DEFAULT_PERIOD_DAYS - 1));
  let error: string | undefined;
  if (from > to) {
    error = `“From” (${from}) is after “To” (${to}); showing the last ${DEFAULT_PERIOD_DAYS} days.`;
    to = today;
    from = addDays(today, -(DEFAULT_PERIOD_DAYS - 1));
  }
  const params: DashboardParams = { from, to, period: q.period, basis: q.basis, slices };
  if (q.ahtMinutes !== undefined) params.ahtMinutes = q.ahtMinutes;
  return { params, error };
}

/** The query string that reproduces `params` (links, CSV exports). */
export function dashboardSearch(params: DashboardParams): string {
  const search = new URLSearchParams({ from: params.from, to: params.to, period: params.period });
  if (params.basis !== 'created') search.set('basis', params.basis);
  if (params.ahtMinutes !== undefined) search.set('ahtMinutes', String(params.ahtMinutes));
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
  'aiReplied',
  'slaJudged',
  'slaBreached',
  'draftsShown',
  'draftsApproved',
  'draftsRejected',
  'draftsDelivered',
  'draftsAwaitingDelivery',
  'draftsDeliveryFailed',
  'triaged',
  'classifierCorrections',
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
  const timeZone = deps.config.TIME_ZONE;
  const filter = await toMetricsFilter(deps.db, params, timeZone);
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
  'rejection-comments',
  'classifier',
] as const;
export type CsvSection = (typeof csvSections)[number];

export async function dashboardCsv(
  deps: DashboardDeps,
  params: DashboardParams,
  section: CsvSection,
): Promise<{ rows: object[]; columns: string[]; name: string }> {
  const filter = await toMetricsFilter(deps.db, params, deps.config.TIME_ZONE);
  const name = `deskpilot-${section}_${params.from}_${params.to}`;
  const range = {
    from: filter.from.toISOString(),
    to: filter.to.toISOString(),
    timeZone: deps.config.TIME_ZONE,
    basis: filter.basis ?? 'created',
  };
  // Columns are explicit so an empty export still has its header row.
  const valueColumns = ['key', ...metricNames];
  switch (section) {
    case 'summary': {
      const {
        rejectionReasons,
        rejectionComments: _comments,
        ...flat
      } = await metricsSummary(deps.db, deps.config, filter);
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
    case 'rejection-comments':
      return {
        rows: (await metricsSummary(deps.db, deps.config, filter)).rejectionComments,
        columns: ['at', 'reason', 'comment', 'ticketId'],
        name,
      };
    case 'classifier':
      return {
        rows: (await classifierMetrics(deps.db, deps.config, filter)).byCategory,
        columns: ['category', 'predicted', 'actual', 'correct', 'precision', 'recall'],
        name,
      };
  }
}

/**
 * Drill-down: the ticket list (/app/tickets) filtered to what a chart point or table row counts —
 * its days (calendar days in TIME_ZONE, `to` inclusive, like the dashboard) and the dashboard's
 * slices the list filters by (its parameter names: channel, category, team, priority).
 */
export function ticketListHref(
  params: Pick<DashboardParams, 'from' | 'to' | 'slices'>,
  overrides: { from?: string; to?: string; category?: string; draftState?: string } = {},
): string {
  const search = new URLSearchParams({
    from: overrides.from ?? params.from,
    to: overrides.to ?? params.to,
  });
  for (const dim of ['channel', 'category', 'team', 'priority'] as const) {
    const value =
      dim === 'category' ? (overrides.category ?? params.slices[dim]) : params.slices[dim];
    if (value && value !== '(none)') search.set(dim, value);
  }
  if (overrides.draftState) search.set('draftState', overrides.draftState);
  return `/app/tickets?${search.toString()}`;
}

/** The calendar days a period key covers, clipped to the chosen range. */
export function periodDays(
  key: string,
  params: Pick<DashboardParams, 'from' | 'to' | 'period'>,
): { from: string; to: string } {
  const end = params.period === 'week' ? addDays(key, 6) : key;
  return { from: key < params.from ? params.from : key, to: end > params.to ? params.to : end };
}

/** What every chart and table states about its numbers: the basis and the time zone. */
export function scopeNote(data: Pick<DashboardData, 'params' | 'timeZone'>): string {
  const by = data.params.basis === 'solved' ? 'solved' : 'created';
  return `tickets ${by} in the period · days in ${data.timeZone}`;
}
