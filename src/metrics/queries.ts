import { type SQL, sql } from 'drizzle-orm';
import type { Config } from '../config/index.js';
import type { Db } from '../db/client.js';
import { rowsOf } from '../db/rows.js';

/** Dimensions a metric can be sliced or filtered by (all from the ticket's latest triage). */
export const sliceDimensions = [
  'category',
  'team',
  'queue',
  'channel',
  'language',
  'priority',
] as const;
export type SliceDimension = (typeof sliceDimensions)[number];
export const periods = ['day', 'week'] as const;
export type Period = (typeof periods)[number];

export interface MetricsFilter {
  /** Tickets created in [from, to): every metric is cohort-based on creation time. */
  from: Date;
  to: Date;
  slices?: Partial<Record<SliceDimension, string>>;
  /** Average minutes an agent spends writing a reply by hand (time-saved estimate). */
  ahtMinutes?: number;
}

type MetricsConfig = Pick<Config, 'BUSINESS_TIMEZONE'>;

/**
 * Flat metric values for one group of tickets; null when the denominator is zero. Durations in
 * hours. See docs/metrics.md for each definition; the comments here are the short form.
 */
export interface MetricValues {
  /** Tickets created in the period (automated and merged tickets excluded). */
  tickets: number;
  /** Of those, currently solved or closed. */
  solved: number;
  /** solved / tickets. */
  resolutionRate: number | null;
  /** Tickets with a first public agent (or auto-sent AI) reply. */
  replied: number;
  /** First reply − creation, calendar hours: median and 90th percentile. */
  firstResponseMedianHours: number | null;
  firstResponseP90Hours: number | null;
  /** The same in business hours (BUSINESS_HOURS in BUSINESS_TIMEZONE). */
  firstResponseBusinessMedianHours: number | null;
  firstResponseBusinessP90Hours: number | null;
  /** Latest solve − creation, over solved tickets. */
  resolutionMedianHours: number | null;
  resolutionP90Hours: number | null;
  resolutionBusinessMedianHours: number | null;
  resolutionBusinessP90Hours: number | null;
  /** Solved with fewer than 2 agent replies / solved. */
  oneTouchRate: number | null;
  /** Solved tickets that never got a public agent reply. */
  solvedWithoutReply: number;
  /** Tickets reopened at least once / tickets ever solved (each ticket counted once). */
  reopenRate: number | null;
  /** Breached / tickets whose SLA could be judged (replied, or due before the period end). */
  slaBreachRate: number | null;
  /** Drafts a person decided on (approved, edited, rejected, regenerated). */
  draftsShown: number;
  /** Drafts sent unchanged / drafts shown. */
  draftAcceptanceRate: number | null;
  /** Σ word edit distance / Σ words sent, over human-sent drafts. */
  editRate: number | null;
  draftsRejected: number;
  /** Solved with an auto-sent AI reply and no human reply / tickets. */
  automationRate: number | null;
  /** Estimate: AHT × (auto-sent drafts + Σ over sent drafts of 1 − edit distance/words). */
  timeSavedHours: number;
  /** Predictions the agents left standing / triaged tickets. */
  classifierAccuracy: number | null;
}

const valueColumns: Record<keyof MetricValues, 'int' | 'float'> = {
  tickets: 'int',
  solved: 'int',
  resolutionRate: 'float',
  replied: 'int',
  firstResponseMedianHours: 'float',
  firstResponseP90Hours: 'float',
  firstResponseBusinessMedianHours: 'float',
  firstResponseBusinessP90Hours: 'float',
  resolutionMedianHours: 'float',
  resolutionP90Hours: 'float',
  resolutionBusinessMedianHours: 'float',
  resolutionBusinessP90Hours: 'float',
  oneTouchRate: 'float',
  solvedWithoutReply: 'int',
  reopenRate: 'float',
  slaBreachRate: 'float',
  draftsShown: 'int',
  draftAcceptanceRate: 'float',
  editRate: 'float',
  draftsRejected: 'int',
  automationRate: 'float',
  timeSavedHours: 'float',
  classifierAccuracy: 'float',
};
export const metricNames = Object.keys(valueColumns) as (keyof MetricValues)[];

const ratio = (num: SQL, den: SQL) => sql`(${num})::float8 / nullif(${den}, 0)`;
/** Median and p90 from one sort (an array percentile), split into columns by `withPercentiles`. */
const pcts = (col: string) =>
  sql`percentile_cont(array[0.5, 0.9]) within group (order by ${sql.raw(col)})`;

/** Wraps an aggregate query, turning the percentile arrays (seconds) into hour columns. */
function withPercentiles(inner: SQL): SQL {
  return sql`select x.*,
    x."pFrt"[1] / 3600.0 as "firstResponseMedianHours",
    x."pFrt"[2] / 3600.0 as "firstResponseP90Hours",
    x."pFrtBh"[1] / 3600.0 as "firstResponseBusinessMedianHours",
    x."pFrtBh"[2] / 3600.0 as "firstResponseBusinessP90Hours",
    x."pRes"[1] / 3600.0 as "resolutionMedianHours",
    x."pRes"[2] / 3600.0 as "resolutionP90Hours",
    x."pResBh"[1] / 3600.0 as "resolutionBusinessMedianHours",
    x."pResBh"[2] / 3600.0 as "resolutionBusinessP90Hours"
  from (${inner}) x`;
}

function aggregates(filter: MetricsFilter): SQL {
  const asOf = sql`least(now(), ${filter.to.toISOString()}::timestamptz)`;
  const aht = filter.ahtMinutes ?? 6;
  const solved = sql`count(*) filter (where tm.solved_at is not null)`;
  const everSolved = sql`count(*) filter (where tm.solved_at is not null or tm.reopens > 0)`;
  // A ticket solved without a public reply meets the first-reply target if solved in time
  // (Zendesk's rule); one still waiting counts once its deadline has passed.
  const measurable = sql`count(*) filter (where tm.first_reply_at is not null
    or tm.solved_at is not null or tm.sla_due_at <= ${asOf} or tm.overdue)`;
  const breached = sql`count(*) filter (where tm.overdue
    or coalesce(tm.first_reply_at, tm.solved_at, ${asOf}) > tm.sla_due_at)`;
  const triaged = sql`count(*) filter (where tm.predicted_category is not null)`;
  return sql`
    count(*)::int as "tickets",
    ${solved}::int as "solved",
    ${ratio(solved, sql`count(*)`)} as "resolutionRate",
    count(tm.first_reply_at)::int as "replied",
    ${pcts('tm.first_reply_seconds')} as "pFrt",
    ${pcts('tm.first_reply_business_seconds')} as "pFrtBh",
    ${pcts('tm.resolution_seconds')} as "pRes",
    ${pcts('tm.resolution_business_seconds')} as "pResBh",
    ${ratio(sql`count(*) filter (where tm.solved_at is not null and tm.agent_replies < 2)`, solved)}
      as "oneTouchRate",
    count(*) filter (where tm.solved_at is not null and tm.agent_replies = 0)::int
      as "solvedWithoutReply",
    ${ratio(sql`count(*) filter (where tm.reopens > 0)`, everSolved)} as "reopenRate",
    ${ratio(breached, measurable)} as "slaBreachRate",
    coalesce(sum(tm.drafts_shown), 0)::int as "draftsShown",
    ${ratio(sql`sum(tm.drafts_unchanged)`, sql`sum(tm.drafts_shown)`)} as "draftAcceptanceRate",
    ${ratio(sql`sum(tm.edit_distance_sum)`, sql`sum(tm.words_sent_sum)`)} as "editRate",
    coalesce(sum(tm.drafts_rejected), 0)::int as "draftsRejected",
    ${ratio(
      sql`count(*) filter (where tm.solved_at is not null and tm.ai_replies > 0
        and tm.human_replies = 0)`,
      sql`count(*)`,
    )} as "automationRate",
    (coalesce(sum(tm.draft_savings), 0) * ${aht}::float8 / 60.0)::float8 as "timeSavedHours",
    ${ratio(
      sql`count(*) filter (where tm.predicted_category is not null
        and (tm.corrected_category is null or tm.corrected_category = tm.predicted_category))`,
      triaged,
    )} as "classifierAccuracy"`;
}

function sliceConditions(filter: MetricsFilter): SQL[] {
  const conditions: SQL[] = [];
  for (const dim of sliceDimensions) {
    const value = filter.slices?.[dim];
    if (value !== undefined) conditions.push(sql`tm.${sql.raw(dim)} = ${value}`);
  }
  return conditions;
}

/** Tickets created in the period, automated and merged duplicates excluded, slices applied. */
function cohort(filter: MetricsFilter): SQL {
  return sql.join(
    [
      sql`tm.created_at >= ${filter.from.toISOString()}::timestamptz`,
      sql`tm.created_at < ${filter.to.toISOString()}::timestamptz`,
      sql`not tm.automated`,
      sql`not tm.merged`,
      ...sliceConditions(filter),
    ],
    sql` and `,
  );
}

function toValues(row: Record<string, unknown>): MetricValues {
  const out = {} as Record<keyof MetricValues, number | null>;
  for (const name of metricNames) {
    const v = row[name];
    out[name] =
      v === null || v === undefined ? (valueColumns[name] === 'int' ? 0 : null) : Number(v);
  }
  return out as MetricValues;
}

export interface MetricsSummary extends MetricValues {
  /** Open (not solved) tickets created before `to`, as of `to`. */
  backlog: number;
  automatedExcluded: number;
  mergedExcluded: number;
  rejectionReasons: { reason: string; count: number }[];
}

/**
 * Tickets not solved at the instant `to`. Split three ways by the latest solve so each part can
 * use an index instead of scanning every ticket ever created: still open (solved_at null; never
 * reopened means open since creation, an index-only count), solved
 * only after `to`, or solved before `to` but reopened at some point (only those need the
 * solved-interval check to be exact; a never-reopened ticket solved before `to` is closed at `to`).
 */
function backlogSql(to: SQL, sliceSql: SQL): SQL {
  const base = sql`tm.created_at < ${to} and not tm.automated and not tm.merged${sliceSql}
    and not coalesce(tm.closed_ranges @> ${to}, false)`;
  const live = sql`tm.created_at < ${to} and not tm.automated and not tm.merged${sliceSql}`;
  return sql`(select count(*) from ticket_metrics tm where tm.solved_at is null and tm.reopens = 0
        and ${live})
    + (select count(*) from ticket_metrics tm where tm.solved_at is null and tm.reopens > 0
        and ${base})
    + (select count(*) from ticket_metrics tm where tm.solved_at > ${to} and ${base})
    + (select count(*) from ticket_metrics tm where tm.reopens > 0 and tm.solved_at <= ${to}
        and ${base})`;
}

export async function metricsSummary(
  db: Db,
  _config: MetricsConfig,
  filter: MetricsFilter,
): Promise<MetricsSummary> {
  const to = sql`${filter.to.toISOString()}::timestamptz`;
  const from = sql`${filter.from.toISOString()}::timestamptz`;
  const slices = sliceConditions(filter);
  const sliceSql = slices.length ? sql` and ${sql.join(slices, sql` and `)}` : sql``;
  // Independent reads, issued together: on postgres.js each takes its own pool connection.
  const [main, extra, reasons] = await Promise.all([
    db.execute(
      withPercentiles(sql`select ${aggregates(filter)} from ticket_metrics tm
        where ${cohort(filter)}`),
    ),
    db.execute(sql`select
      (${backlogSql(to, sliceSql)})::int as backlog,
      x.automated, x.merged
      from (select count(*) filter (where tm.automated)::int as automated,
          count(*) filter (where tm.merged and not tm.automated)::int as merged
        from ticket_metrics tm where tm.created_at >= ${from}
          and tm.created_at < ${to}${sliceSql}) x`),
    db.execute(sql`select coalesce(nullif(d.reject_reason, ''), '(none)') as reason,
        count(*)::int as count
      from drafts d join ticket_metrics tm on tm.ticket_id = d.ticket_id
      where d.status = 'rejected' and ${cohort(filter)}
      group by 1 order by 2 desc, 1 limit 20`),
  ]);
  const [row] = rowsOf<Record<string, unknown>>(main);
  const [counts] = rowsOf<Record<string, unknown>>(extra);
  return {
    ...toValues(row ?? {}),
    backlog: Number(counts?.backlog ?? 0),
    automatedExcluded: Number(counts?.automated ?? 0),
    mergedExcluded: Number(counts?.merged ?? 0),
    rejectionReasons: rowsOf<{ reason: string; count: number }>(reasons).map((r) => ({
      reason: r.reason,
      count: Number(r.count),
    })),
  };
}

export type GroupBy = SliceDimension | Period;

/** Metric values per slice value, or per period (day/week starting in BUSINESS_TIMEZONE). */
export async function metricsBy(
  db: Db,
  config: MetricsConfig,
  filter: MetricsFilter,
  groupBy: GroupBy,
): Promise<({ key: string } & MetricValues)[]> {
  const key =
    groupBy === 'day' || groupBy === 'week'
      ? sql`to_char(date_trunc(${groupBy}, tm.created_at at time zone ${config.BUSINESS_TIMEZONE}), 'YYYY-MM-DD')`
      : sql`coalesce(tm.${sql.raw(groupBy)}, '(none)')`;
  const rows = rowsOf<Record<string, unknown>>(
    await db.execute(
      sql`${withPercentiles(sql`select ${key} as "key", ${aggregates(filter)}
      from ticket_metrics tm where ${cohort(filter)} group by 1`)} order by 1`,
    ),
  );
  return rows.map((r) => ({ key: String(r.key), ...toValues(r) }));
}

export interface ClassifierMetrics {
  triaged: number;
  corrected: number;
  accuracy: number | null;
  byCategory: { category: string; triaged: number; corrected: number; accuracy: number | null }[];
  /** Most frequent (predicted → corrected) pairs. */
  confusions: { predicted: string; corrected: string; count: number }[];
}

/**
 * Classifier accuracy against agent corrections: a prediction counts as wrong when an agent set
 * ticket_triage.corrected_category to a different category. Uncorrected predictions count as
 * right (what agents accept silently), so this is an upper bound on true accuracy.
 */
export async function classifierMetrics(
  db: Db,
  _config: MetricsConfig,
  filter: MetricsFilter,
): Promise<ClassifierMetrics> {
  const wrong = sql`(tm.corrected_category is not null
    and tm.corrected_category <> tm.predicted_category)`;
  const base = sql`${cohort(filter)} and tm.predicted_category is not null`;
  const byCategory = rowsOf<Record<string, unknown>>(
    await db.execute(sql`select tm.predicted_category as category, count(*)::int as triaged,
        count(*) filter (where ${wrong})::int as corrected
      from ticket_metrics tm where ${base} group by 1 order by 2 desc, 1`),
  ).map((r) => {
    const triaged = Number(r.triaged);
    const corrected = Number(r.corrected);
    return {
      category: String(r.category),
      triaged,
      corrected,
      accuracy: triaged ? (triaged - corrected) / triaged : null,
    };
  });
  const confusions = rowsOf<Record<string, unknown>>(
    await db.execute(sql`select tm.predicted_category as predicted,
        tm.corrected_category as corrected, count(*)::int as count
      from ticket_metrics tm where ${base} and ${wrong}
      group by 1, 2 order by 3 desc, 1, 2 limit 20`),
  ).map((r) => ({
    predicted: String(r.predicted),
    corrected: String(r.corrected),
    count: Number(r.count),
  }));
  const triaged = byCategory.reduce((s, c) => s + c.triaged, 0);
  const corrected = byCategory.reduce((s, c) => s + c.corrected, 0);
  return {
    triaged,
    corrected,
    accuracy: triaged ? (triaged - corrected) / triaged : null,
    byCategory,
    confusions,
  };
}
