import type { FC } from 'hono/jsx';
import type { SessionPrincipal } from '../../../auth/users.js';
import type { GapTopic } from '../../../kb/gaps.js';
import {
  DEFAULT_AHT_MINUTES,
  type MetricsSummary,
  type MetricValues,
} from '../../../metrics/index.js';
import {
  type CsvSection,
  type DashboardData,
  type DashboardDimension,
  dashboardDimensions,
  dashboardSearch,
} from '../dashboard-data.js';
import { ErrorAlert, Layout } from '../layout.js';
import { Charts, chartJson, seriesChartSpecs } from './dashboard-charts.js';
import { type Format, formatCount, formatters } from './dashboard-format.js';
import {
  CategoryTable,
  ClassifierSection,
  RejectionSection,
  rejectionSpec,
} from './dashboard-tables.js';
import { KbGapsPanel } from './kb-gaps-panel.js';

export { chartSpecs, chartSummary } from './dashboard-charts.js';
export { formatHours, formatRate } from './dashboard-format.js';

export type KpiMetric = keyof MetricValues | 'backlog';

interface Kpi {
  metric: KpiMetric;
  label: string;
  format: Format;
  /** Context under the value: the counts behind a rate, or what the number means. */
  note: (s: MetricsSummary, d: DashboardData) => string;
}

/** The KPI cards, in reading order; definitions in docs/metrics.md. */
export const kpis: Kpi[] = [
  {
    metric: 'tickets',
    label: 'Tickets',
    format: 'count',
    note: (s, d) =>
      `${d.params.basis === 'solved' ? 'solved' : 'created'} in the range; ${s.automatedExcluded} automated, ${s.mergedExcluded} merged and ${s.deletedExcluded} deleted not counted`,
  },
  {
    metric: 'firstResponseMedianHours',
    label: 'First reply, median',
    format: 'hours',
    note: (s) =>
      `a person's first public reply, calendar time, over ${formatCount(s.replied)} tickets`,
  },
  {
    metric: 'firstResponseP90Hours',
    label: 'First reply, 90th percentile',
    format: 'hours',
    note: () => 'calendar time',
  },
  {
    metric: 'firstResponseBusinessMedianHours',
    label: 'First reply, median (business hours)',
    format: 'hours',
    note: () => 'counting business hours only',
  },
  {
    metric: 'firstResponseBusinessP90Hours',
    label: 'First reply, 90th percentile (business hours)',
    format: 'hours',
    note: () => 'counting business hours only',
  },
  {
    metric: 'aiFirstResponseMedianHours',
    label: 'AI first response, median',
    format: 'hours',
    note: (s) => `auto-sent AI replies, over ${formatCount(s.aiReplied)} tickets`,
  },
  {
    metric: 'resolutionRate',
    label: 'Resolution rate',
    format: 'rate',
    note: (s) => `${formatCount(s.solved)} of ${formatCount(s.tickets)} tickets solved`,
  },
  {
    metric: 'oneTouchRate',
    label: 'One-touch resolution',
    format: 'rate',
    note: () => 'solved tickets with at most one public reply',
  },
  {
    metric: 'reopenRate',
    label: 'Reopen rate',
    format: 'rate',
    note: () => 'tickets reopened after being solved',
  },
  {
    metric: 'slaBreachRate',
    label: 'SLA breach rate',
    format: 'rate',
    note: (s) =>
      `${formatCount(s.slaBreached)} of ${formatCount(s.slaJudged)} tickets answered or solved after the target, or overdue`,
  },
  {
    metric: 'backlog',
    label: 'Backlog',
    format: 'count',
    note: (_s, d) => `tickets open at the end of ${d.params.to}`,
  },
  {
    metric: 'draftAcceptanceRate',
    label: 'Draft acceptance rate',
    format: 'rate',
    note: (s) =>
      `approved unchanged, of ${formatCount(s.draftsShown)} drafts reviewed (delivered or not)`,
  },
  {
    metric: 'editRate',
    label: 'Edit rate',
    format: 'rate',
    note: (s) => `words changed per word, in ${formatCount(s.draftsApproved)} approved drafts`,
  },
  {
    metric: 'deliveryRate',
    label: 'Delivered',
    format: 'rate',
    note: (s) =>
      `${formatCount(s.draftsDelivered)} delivered, ${formatCount(s.draftsAwaitingDelivery)} held or waiting, ${formatCount(s.draftsDeliveryFailed)} failed`,
  },
  {
    metric: 'automationRate',
    label: 'Automation rate',
    format: 'rate',
    note: () => 'solved by an auto-sent AI reply alone',
  },
  {
    metric: 'classifierAccuracy',
    label: 'Classifier accuracy',
    format: 'rate',
    note: (s) =>
      `${formatCount(s.classifierCorrections)} corrections by agents, of ${formatCount(s.triaged)} predictions`,
  },
  {
    metric: 'timeSavedHours',
    label: 'Time saved (estimate)',
    format: 'effort',
    note: (_s, d) => {
      const minutes = d.filter.ahtMinutes ?? DEFAULT_AHT_MINUTES;
      return `at ${minutes} minute${minutes === 1 ? '' : 's'} per hand-written reply`;
    },
  },
];

/** The text a KPI card shows for a summary (the browser test compares against this). */
export function kpiText(metric: KpiMetric, summary: MetricsSummary): string {
  const kpi = kpis.find((k) => k.metric === metric);
  if (!kpi) throw new Error(`unknown KPI ${metric}`);
  return formatters[kpi.format](summary[metric]);
}

// ---- components ---------------------------------------------------------------------------------

const dimensionLabels: Record<DashboardDimension, string> = {
  channel: 'Channel',
  category: 'Category',
  team: 'Team',
  priority: 'Priority',
  language: 'Language',
};

const CsvLink: FC<{ section: CsvSection; search: string; what: string }> = ({
  section,
  search,
  what,
}) => (
  <a class="csv" href={`/app/dashboard/${section}.csv?${search}`} download>
    Download CSV<span class="visually-hidden"> of {what}</span>
  </a>
);

const FilterForm: FC<{ data: DashboardData }> = ({ data }) => {
  const { params, options } = data;
  return (
    <form method="get" action="/app/dashboard" class="filters dashboard-filters">
      <fieldset>
        <legend>Filters</legend>
        <label>
          From
          <input type="date" name="from" value={params.from} required />
        </label>
        <label>
          To (inclusive)
          <input type="date" name="to" value={params.to} required />
        </label>
        <label>
          Period
          <select name="period">
            <option value="day" selected={params.period === 'day'}>
              Day
            </option>
            <option value="week" selected={params.period === 'week'}>
              Week
            </option>
          </select>
        </label>
        <label>
          Count tickets
          <select name="basis">
            <option value="created" selected={params.basis === 'created'}>
              Created in the period
            </option>
            <option value="solved" selected={params.basis === 'solved'}>
              Solved in the period
            </option>
          </select>
        </label>
        <label>
          Minutes per hand-written reply
          <input
            type="number"
            name="ahtMinutes"
            min="0.1"
            max="600"
            step="any"
            placeholder={String(DEFAULT_AHT_MINUTES)}
            value={params.ahtMinutes === undefined ? '' : String(params.ahtMinutes)}
          />
        </label>
        {dashboardDimensions.map((dim) => {
          const selected = params.slices[dim];
          // Keep a chosen value selectable even when no ticket in the new range has it.
          const values = [...options[dim]];
          if (selected && !values.includes(selected)) values.push(selected);
          return (
            <label>
              {dimensionLabels[dim]}
              <select name={dim}>
                <option value="">All</option>
                {values.sort().map((v) => (
                  <option value={v} selected={v === selected}>
                    {v}
                  </option>
                ))}
              </select>
            </label>
          );
        })}
        <button type="submit" class="primary">
          Apply
        </button>
        <a href="/app/dashboard">Reset</a>
      </fieldset>
      <p class="muted hint" data-testid="time-zone-rule">
        Every date is a calendar day in {data.timeZone} (the team's time zone, TIME_ZONE), “to”
        included — the same rule as /api/metrics. Tickets are counted by the day they were{' '}
        {params.basis === 'solved' ? 'last solved' : 'created'}. Backlog is the state at the end of
        the last day.
      </p>
    </form>
  );
};

const KpiCards: FC<{ data: DashboardData; search: string }> = ({ data, search }) => (
  <section aria-labelledby="kpi-heading">
    <div class="section-head">
      <h2 id="kpi-heading">Key figures</h2>
      <CsvLink section="summary" search={search} what="key figures" />
    </div>
    <dl class="kpis">
      {kpis.map((k) => (
        <div class="kpi" data-metric={k.metric}>
          <dt class="label">{k.label}</dt>
          <dd class="value" data-testid={`kpi-${k.metric}`}>
            {kpiText(k.metric, data.summary)}
          </dd>
          <dd class="note">{k.note(data.summary, data)}</dd>
        </div>
      ))}
    </dl>
  </section>
);

export const DashboardPage: FC<{
  user: SessionPrincipal;
  data: DashboardData;
  error?: string;
  gaps?: { topics: readonly GapTopic[]; days: number };
}> = ({ user, data, error, gaps }) => {
  const search = dashboardSearch(data.params);
  const seriesSpecs = seriesChartSpecs(data);
  const rejections = rejectionSpec(data);
  return (
    <Layout
      title="Dashboard"
      user={user}
      active="dashboard"
      scripts={['chart.umd.min.js', 'dashboard.js']}
    >
      <div class="dashboard">
        <h1>Support dashboard</h1>
        <p class="muted">
          {data.params.from} to {data.params.to} (calendar days in {data.timeZone})
        </p>
        <ErrorAlert error={error} />
        <FilterForm data={data} />
        <KpiCards data={data} search={search} />
        <script
          type="application/json"
          id="dashboard-charts"
          dangerouslySetInnerHTML={{
            __html: chartJson(
              data.series.map((p) => p.key),
              [...seriesSpecs, rejections],
            ),
          }}
        />
        <Charts
          data={data}
          specs={seriesSpecs}
          csv={
            <CsvLink
              section="timeseries"
              search={search}
              what={`metrics per ${data.params.period}`}
            />
          }
        />
        <CategoryTable
          data={data}
          csv={<CsvLink section="by-category" search={search} what="metrics by category" />}
        />
        <div class="dashboard-pair">
          <ClassifierSection
            data={data}
            csv={<CsvLink section="classifier" search={search} what="precision and recall" />}
            confusionsCsv={
              <CsvLink section="confusions" search={search} what="confused category pairs" />
            }
          />
          <RejectionSection
            data={data}
            spec={rejections}
            csv={
              <CsvLink section="rejection-reasons" search={search} what="draft rejection reasons" />
            }
            commentsCsv={
              <CsvLink section="rejection-comments" search={search} what="rejection comments" />
            }
          />
        </div>
        {gaps ? <KbGapsPanel topics={gaps.topics} days={gaps.days} /> : null}
      </div>
    </Layout>
  );
};
