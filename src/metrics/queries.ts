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
/** Which tickets a period holds: those created in it (default) or those solved in it. */
export const bases = ['created', 'solved'] as const;
export type Basis = (typeof bases)[number];

/**
 * The fixed rejection reasons agents pick from (the inbox's choices). A stored reason is
 * "<code>: <free-text note>" or, from the API, any text: a code is recognised case- and
 * underscore-insensitively ("wrong_answer"), anything else counts as "Other" with the text as its
 * comment.
 */
export const rejectionCodes = [
  'Wrong answer',
  'Missing information',
  'Wrong tone',
  'Needs a human conversation',
  'Policy or legal concern',
  'Other',
] as const;

/** The time-saved estimate's minutes per hand-written reply when the caller names none. */
export const DEFAULT_AHT_MINUTES = 6;

export interface MetricsFilter {
  /** Tickets created (or, with basis "solved", last solved) in [from, to). */
  from: Date;
  to: Date;
  basis?: Basis;
  slices?: Partial<Record<SliceDimension, string>>;
  /** Average minutes an agent spends writing a reply by hand (time-saved estimate). */
  ahtMinutes?: number;
  /**
   * The zone of a series' days and weeks (resolvePeriod's timeZone: an IANA name or '+hh:mm');
   * unset: TIME_ZONE.
   */
  timeZone?: string;
}

/** An `at time zone` operand: an IANA name, or a fixed offset '+hh:mm' as an interval (ISO sign). */
function zoneSql(zone: string): SQL {
  return /^[+-]\d{2}:\d{2}$/.test(zone) ? sql`${zone}::interval` : sql`${zone}`;
}

type MetricsConfig = Pick<Config, 'TIME_ZONE'>;

/**
 * Flat metric values for one group of tickets; null when the denominator is zero. Durations in
 * hours. See docs/metrics.md for each definition; the comments here are the short form.
 */
export interface MetricValues {
  /** Tickets created in the period (automated, merged and deleted tickets excluded). */
  tickets: number;
  /** Of those, currently solved or closed. */
  solved: number;
  /** solved / tickets. */
  resolutionRate: number | null;
  /** Tickets with a first reply: a public comment by a human agent (Zendesk Explore's rule). */
  replied: number;
  /** First reply − creation, calendar hours: median and 90th percentile. */
  firstResponseMedianHours: number | null;
  firstResponseP90Hours: number | null;
  /** The same in business hours (BUSINESS_HOURS in TIME_ZONE). */
  firstResponseBusinessMedianHours: number | null;
  firstResponseBusinessP90Hours: number | null;
  /** Tickets with an auto-sent AI reply, and its time after creation (not a first reply). */
  aiReplied: number;
  aiFirstResponseMedianHours: number | null;
  aiFirstResponseP90Hours: number | null;
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
  /** Tickets whose first-reply SLA could be judged, and of those, breached. */
  slaJudged: number;
  slaBreached: number;
  /** slaBreached / slaJudged. */
  slaBreachRate: number | null;
  /** Drafts a person decided on (approved, edited, rejected, regenerated). */
  draftsShown: number;
  /** Drafts a person approved (unchanged or edited), delivered or not. */
  draftsApproved: number;
  /** Drafts approved unchanged / drafts shown. */
  draftAcceptanceRate: number | null;
  /** Σ word edit distance / Σ words approved, over drafts a person approved. */
  editRate: number | null;
  draftsRejected: number;
  /** Approved drafts (a person's or auto-sent): delivered, still held, failed. */
  draftsDelivered: number;
  draftsAwaitingDelivery: number;
  draftsDeliveryFailed: number;
  /** delivered / approved (a person's or auto-sent). */
  deliveryRate: number | null;
  /** Solved with an auto-sent AI reply and no human reply / tickets. */
  automationRate: number | null;
  /** Estimate: AHT × (auto-sent drafts + Σ over approved drafts of 1 − edit distance/words). */
  timeSavedHours: number;
  /** Tickets with a predicted category, and those whose category an agent changed. */
  triaged: number;
  classifierCorrections: number;
  /** Predictions the agents left standing / triaged tickets; null while nothing was corrected. */
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
  aiReplied: 'int',
  aiFirstResponseMedianHours: 'float',
  aiFirstResponseP90Hours: 'float',
  resolutionMedianHours: 'float',
  resolutionP90Hours: 'float',
  resolutionBusinessMedianHours: 'float',
  resolutionBusinessP90Hours: 'float',
  oneTouchRate: 'float',
  solvedWithoutReply: 'int',
  reopenRate: 'float',
  slaJudged: 'int',
  slaBreached: 'int',
  slaBreachRate: 'float',
  draftsShown: 'int',
  draftsApproved: 'int',
  draftAcceptanceRate: 'float',
  editRate: 'float',
  draftsRejected: 'int',
  draftsDelivered: 'int',
  draftsAwaitingDelivery: 'int',
  draftsDeliveryFailed: 'int',
  deliveryRate: 'float',
  automationRate: 'float',
  timeSavedHours: 'float',
  triaged: 'int',
  classifierCorrections: 'int',
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
    x."pAi"[1] / 3600.0 as "aiFirstResponseMedianHours",
    x."pAi"[2] / 3600.0 as "aiFirstResponseP90Hours",
    x."pRes"[1] / 3600.0 as "resolutionMedianHours",
    x."pRes"[2] / 3600.0 as "resolutionP90Hours",
    x."pResBh"[1] / 3600.0 as "resolutionBusinessMedianHours",
    x."pResBh"[2] / 3600.0 as "resolutionBusinessP90Hours"
  from (${inner}) x`;
}

function aggregates(filter: MetricsFilter): SQL {
  const asOf = sql`least(now(), ${filter.to.toISOString()}::timestamptz)`;
  const aht = filter.ahtMinutes ?? DEFAULT_AHT_MINUTES;
  const solved = sql`count(*) filter (where tm.solved_at is not null)`;
  const everSolved = sql`count(*) filter (where tm.solved_at is not null or tm.reopens > 0)`;
  // The first-reply target is met by the first public reply the customer got, a person's or an
  // auto-sent AI one, or by solving the ticket first (Zendesk's rule) — the first solve, so a
  // ticket solved in time, reopened and solved again late is not breached. A ticket still waiting
  // is judged once its deadline has passed; an overdue draft (a later reply's target) breaches.
  const answered = sql`least(tm.first_reply_at, tm.ai_first_reply_at)`;
  const judged = sql`count(*) filter (where tm.sla_due_at is not null and (${answered} is not null
    or tm.first_solved_at is not null or tm.sla_due_at <= ${asOf} or tm.overdue))`;
  const breached = sql`count(*) filter (where tm.sla_due_at is not null and (tm.overdue
    or coalesce(${answered}, tm.first_solved_at, ${asOf}) > tm.sla_due_at))`;
  const triaged = sql`count(*) filter (where tm.predicted_category is not null)`;
  const corrections = sql`count(*) filter (where tm.predicted_category is not null
    and tm.corrected_category is not null and tm.corrected_category <> tm.predicted_category)`;
  const approvedAll = sql`(sum(tm.drafts_delivered) + sum(tm.drafts_awaiting_delivery)
    + sum(tm.drafts_delivery_failed))`;
  return sql`
    count(*)::int as "tickets",
    ${solved}::int as "solved",
    ${ratio(solved, sql`count(*)`)} as "resolutionRate",
    count(tm.first_reply_at)::int as "replied",
    ${pcts('tm.first_reply_seconds')} as "pFrt",
    ${pcts('tm.first_reply_business_seconds')} as "pFrtBh",
    count(tm.ai_first_reply_at)::int as "aiReplied",
    ${pcts('tm.ai_first_reply_seconds')} as "pAi",
    ${pcts('tm.resolution_seconds')} as "pRes",
    ${pcts('tm.resolution_business_seconds')} as "pResBh",
    ${ratio(sql`count(*) filter (where tm.solved_at is not null and tm.agent_replies < 2)`, solved)}
      as "oneTouchRate",
    count(*) filter (where tm.solved_at is not null and tm.agent_replies = 0)::int
      as "solvedWithoutReply",
    ${ratio(sql`count(*) filter (where tm.reopens > 0)`, everSolved)} as "reopenRate",
    ${judged}::int as "slaJudged",
    ${breached}::int as "slaBreached",
    ${ratio(breached, judged)} as "slaBreachRate",
    coalesce(sum(tm.drafts_shown), 0)::int as "draftsShown",
    coalesce(sum(tm.drafts_unchanged + tm.drafts_edited), 0)::int as "draftsApproved",
    ${ratio(sql`sum(tm.drafts_unchanged)`, sql`sum(tm.drafts_shown)`)} as "draftAcceptanceRate",
    ${ratio(sql`sum(tm.edit_distance_sum)`, sql`sum(tm.words_sent_sum)`)} as "editRate",
    coalesce(sum(tm.drafts_rejected), 0)::int as "draftsRejected",
    coalesce(sum(tm.drafts_delivered), 0)::int as "draftsDelivered",
    coalesce(sum(tm.drafts_awaiting_delivery), 0)::int as "draftsAwaitingDelivery",
    coalesce(sum(tm.drafts_delivery_failed), 0)::int as "draftsDeliveryFailed",
    ${ratio(sql`sum(tm.drafts_delivered)`, approvedAll)} as "deliveryRate",
    ${ratio(
      sql`count(*) filter (where tm.solved_at is not null and tm.ai_replies > 0
        and tm.human_replies = 0)`,
      sql`count(*)`,
    )} as "automationRate",
    (coalesce(sum(tm.draft_savings), 0) * ${aht}::float8 / 60.0)::float8 as "timeSavedHours",
    ${triaged}::int as "triaged",
    ${corrections}::int as "classifierCorrections",
    case when ${corrections} = 0 then null else ${ratio(sql`${triaged} - ${corrections}`, triaged)}
      end as "classifierAccuracy"`;
}

function sliceConditions(filter: MetricsFilter): SQL[] {
  const conditions: SQL[] = [];
  for (const dim of sliceDimensions) {
    const value = filter.slices?.[dim];
    if (value !== undefined) conditions.push(sql`tm.${sql.raw(dim)} = ${value}`);
  }
  return conditions;
}

/** The column a period is matched on: creation, or the latest solve. */
function basisColumn(filter: Pick<MetricsFilter, 'basis'>): SQL {
  return filter.basis === 'solved' ? sql`tm.solved_at` : sql`tm.created_at`;
}

/**
 * Tickets created (or solved) in the period, automated, merged duplicates and deleted tickets
 * excluded, slices applied.
 */
function cohort(filter: MetricsFilter): SQL {
  const at = basisColumn(filter);
  return sql.join(
    [
      sql`${at} >= ${filter.from.toISOString()}::timestamptz`,
      sql`${at} < ${filter.to.toISOString()}::timestamptz`,
      sql`not tm.automated`,
      sql`not tm.merged`,
      sql`not tm.deleted`,
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
  /** Deleted (or scrubbed) in the helpdesk: not resolutions, excluded like merged duplicates. */
  deletedExcluded: number;
  /** Rejected drafts per fixed reason code (rejectionCodes), most frequent first. */
  rejectionReasons: { reason: string; count: number }[];
  /** The free-text part of recent rejections, newest first (at most 20). */
  rejectionComments: RejectionComment[];
}

export interface RejectionComment {
  reason: string;
  comment: string;
  at: string;
  ticketId: string;
}

/** SQL for a rejected draft's reason code and free-text comment (see rejectionCodes). */
function rejectionParts(): { code: SQL; comment: SQL } {
  const codes = `{${rejectionCodes.map((c) => `"${c.toLowerCase()}"`).join(',')}}`;
  const head = sql`lower(replace(trim(split_part(coalesce(d.reject_reason, ''), ':', 1)), '_', ' '))`;
  const known = sql`(${head} = any(${codes}::text[]))`;
  return {
    code: sql`(case when ${known} then initcap(left(${head}, 1)) || substr(${head}, 2)
      else 'Other' end)`,
    comment: sql`nullif(trim(case when ${known}
      then substr(d.reject_reason, length(split_part(d.reject_reason, ':', 1)) + 2)
      else coalesce(d.reject_reason, '') end), '')`,
  };
}

/**
 * Tickets not solved at the instant `to`. Split three ways by the latest solve so each part can
 * use an index instead of scanning every ticket ever created: still open (solved_at null; never
 * reopened means open since creation, an index-only count), solved
 * only after `to`, or solved before `to` but reopened at some point (only those need the
 * solved-interval check to be exact; a never-reopened ticket solved before `to` is closed at `to`).
 */
function backlogSql(to: SQL, sliceSql: SQL): SQL {
  const base = sql`tm.created_at < ${to} and not tm.automated and not tm.merged
    and not tm.deleted${sliceSql}
    and not coalesce(tm.closed_ranges @> ${to}, false)`;
  const live = sql`tm.created_at < ${to} and not tm.automated and not tm.merged
    and not tm.deleted${sliceSql}`;
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
  const at = basisColumn(filter);
  const slices = sliceConditions(filter);
  const parts = rejectionParts();
  const sliceSql = slices.length ? sql` and ${sql.join(slices, sql` and `)}` : sql``;
  // Independent reads, issued together: on postgres.js each takes its own pool connection.
  const [main, extra, reasons, comments] = await Promise.all([
    db.execute(
      withPercentiles(sql`select ${aggregates(filter)} from ticket_metrics tm
        where ${cohort(filter)}`),
    ),
    db.execute(sql`select
      (${backlogSql(to, sliceSql)})::int as backlog,
      x.automated, x.merged, x.deleted
      from (select count(*) filter (where tm.automated)::int as automated,
          count(*) filter (where tm.merged and not tm.automated)::int as merged,
          count(*) filter (where tm.deleted and not tm.merged and not tm.automated)::int
            as deleted
        from ticket_metrics tm where ${at} >= ${from}
          and ${at} < ${to}${sliceSql}) x`),
    db.execute(sql`select ${parts.code} as reason, count(*)::int as count
      from drafts d join ticket_metrics tm on tm.ticket_id = d.ticket_id
      where d.status = 'rejected' and ${cohort(filter)}
      group by 1 order by 2 desc, 1`),
    db.execute(sql`select * from (select ${parts.code} as reason, ${parts.comment} as comment,
          coalesce(d.decided_at, d.updated_at) as at, d.ticket_id
        from drafts d join ticket_metrics tm on tm.ticket_id = d.ticket_id
        where d.status = 'rejected' and ${cohort(filter)}) r
      where r.comment is not null
      order by r.at desc limit 20`),
  ]);
  const [row] = rowsOf<Record<string, unknown>>(main);
  const [counts] = rowsOf<Record<string, unknown>>(extra);
  return {
    ...toValues(row ?? {}),
    backlog: Number(counts?.backlog ?? 0),
    automatedExcluded: Number(counts?.automated ?? 0),
    mergedExcluded: Number(counts?.merged ?? 0),
    deletedExcluded: Number(counts?.deleted ?? 0),
    rejectionReasons: rowsOf<{ reason: string; count: number }>(reasons).map((r) => ({
      reason: r.reason,
      count: Number(r.count),
    })),
    rejectionComments: rowsOf<Record<string, unknown>>(comments).map((r) => ({
      reason: String(r.reason),
      comment: String(r.comment),
      at: new Date(r.at as string).toISOString(),
      ticketId: String(r.ticket_id),
    })),
  };
}

export type GroupBy = SliceDimension | Period;

/**
 * Metric values per slice value, or per period: the day or week (starting on Monday) in the
 * period's zone (filter.timeZone, else TIME_ZONE) of the ticket's creation, or of its solve with
 * basis "solved".
 */
export async function metricsBy(
  db: Db,
  config: MetricsConfig,
  filter: MetricsFilter,
  groupBy: GroupBy,
): Promise<({ key: string } & MetricValues)[]> {
  const key =
    groupBy === 'day' || groupBy === 'week'
      ? sql`to_char(date_trunc(${groupBy}, ${basisColumn(filter)} at time zone ${zoneSql(filter.timeZone ?? config.TIME_ZONE)}), 'YYYY-MM-DD')`
      : sql`coalesce(tm.${sql.raw(groupBy)}, '(none)')`;
  const rows = rowsOf<Record<string, unknown>>(
    await db.execute(
      sql`${withPercentiles(sql`select ${key} as "key", ${aggregates(filter)}
      from ticket_metrics tm where ${cohort(filter)} group by 1`)} order by 1`,
    ),
  );
  return rows.map((r) => ({ key: String(r.key), ...toValues(r) }));
}

export interface ClassifierCategory {
  category: string;
  /** Tickets predicted as this category, and of those, how many kept it. */
  predicted: number;
  /** Tickets whose final category (the agents' correction, else the prediction) is this one. */
  actual: number;
  correct: number;
  /** correct / predicted: how often a prediction of this category is right. */
  precision: number | null;
  /** correct / actual: how many of this category's tickets the classifier found. */
  recall: number | null;
}

export interface ClassifierMetrics {
  triaged: number;
  /** Predictions an agent changed to another category. */
  corrected: number;
  /** (triaged − corrected) / triaged; null while nothing was corrected (no evidence yet). */
  accuracy: number | null;
  byCategory: ClassifierCategory[];
  /** Most frequent (predicted → corrected) pairs. */
  confusions: { predicted: string; corrected: string; count: number }[];
}

/**
 * Classifier quality against agent corrections: a prediction counts as wrong when an agent set
 * ticket_triage.corrected_category to a different category. Uncorrected predictions count as
 * right (what agents accept silently), so these are upper bounds, and they are null while no
 * prediction in the set was corrected. Per category: precision groups by the predicted category,
 * recall by the final one.
 */
export async function classifierMetrics(
  db: Db,
  _config: MetricsConfig,
  filter: MetricsFilter,
): Promise<ClassifierMetrics> {
  const wrong = sql`(tm.corrected_category is not null
    and tm.corrected_category <> tm.predicted_category)`;
  const base = sql`${cohort(filter)} and tm.predicted_category is not null`;
  const [totals] = rowsOf<{ triaged: number; corrected: number }>(
    await db.execute(sql`select count(*)::int as triaged,
        count(*) filter (where ${wrong})::int as corrected
      from ticket_metrics tm where ${base}`),
  );
  const triaged = Number(totals?.triaged ?? 0);
  const corrected = Number(totals?.corrected ?? 0);
  const evidence = corrected > 0;
  const byCategory = rowsOf<Record<string, unknown>>(
    await db.execute(sql`select c.category,
        count(*) filter (where c.category = x.predicted)::int as predicted,
        count(*) filter (where c.category = x.final)::int as actual,
        count(*) filter (where c.category = x.predicted and c.category = x.final)::int as correct
      from (select tm.predicted_category as predicted, tm.category as final
        from ticket_metrics tm where ${base}) x
      cross join lateral unnest(case when x.predicted = x.final then array[x.predicted]
        else array[x.predicted, x.final] end) as c(category)
      group by 1 order by 2 desc, 3 desc, 1`),
  ).map((r) => {
    const predicted = Number(r.predicted);
    const actual = Number(r.actual);
    const correct = Number(r.correct);
    return {
      category: String(r.category),
      predicted,
      actual,
      correct,
      precision: evidence && predicted ? correct / predicted : null,
      recall: evidence && actual ? correct / actual : null,
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
  return {
    triaged,
    corrected,
    accuracy: evidence && triaged ? (triaged - corrected) / triaged : null,
    byCategory,
    confusions,
  };
}
