import type { FC } from 'hono/jsx';
import type { SessionPrincipal } from '../../../auth/users.js';
import type { MetricsSummary, MetricValues } from '../../../metrics/index.js';
import {
  type CsvSection,
  type DashboardData,
  type DashboardDimension,
  dashboardDimensions,
  dashboardSearch,
  type SeriesPoint,
} from '../dashboard-data.js';
import { Layout } from '../layout.js';

// ---- formatting ---------------------------------------------------------------------------------

const NONE = '—';

export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

/** Durations: minutes under an hour, hours under two days, then days. */
export function formatHours(h: number | null): string {
  if (h === null) return NONE;
  if (h < 1) return `${Math.round(h * 60)} min`;
  if (h < 48) return `${h.toFixed(1)} h`;
  return `${(h / 24).toFixed(1)} d`;
}

export function formatRate(r: number | null): string {
  return r === null ? NONE : `${(r * 100).toFixed(1)} %`;
}

/** Work time adds up in hours (two days of saved work is 16 h of agent time, not "2 d"). */
export function formatEffort(h: number | null): string {
  if (h === null) return NONE;
  return `${h.toLocaleString('en-US', { minimumFractionDigits: 1, maximumFractionDigits: 1 })} h`;
}

type Format = 'count' | 'hours' | 'effort' | 'rate';
const formatters: Record<Format, (v: number | null) => string> = {
  count: (v) => (v === null ? NONE : formatCount(v)),
  hours: formatHours,
  effort: formatEffort,
  rate: formatRate,
};

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
    note: (s) =>
      `created in the range; ${s.automatedExcluded} automated and ${s.mergedExcluded} merged not counted`,
  },
  {
    metric: 'firstResponseMedianHours',
    label: 'First response, median',
    format: 'hours',
    note: (s) => `calendar time, over ${formatCount(s.replied)} replied tickets`,
  },
  {
    metric: 'firstResponseP90Hours',
    label: 'First response, 90th percentile',
    format: 'hours',
    note: () => 'calendar time',
  },
  {
    metric: 'firstResponseBusinessMedianHours',
    label: 'First response, median (business hours)',
    format: 'hours',
    note: () => 'counting business hours only',
  },
  {
    metric: 'firstResponseBusinessP90Hours',
    label: 'First response, 90th percentile (business hours)',
    format: 'hours',
    note: () => 'counting business hours only',
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
    note: () => 'solved tickets with at most one agent reply',
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
    note: () => 'first reply after the SLA deadline, or overdue',
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
    note: (s) => `sent unchanged, of ${formatCount(s.draftsShown)} drafts reviewed`,
  },
  {
    metric: 'editRate',
    label: 'Edit rate',
    format: 'rate',
    note: () => 'words changed per word sent, in approved drafts',
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
    note: (_s, d) =>
      `${formatCount(d.classifier.corrected)} of ${formatCount(d.classifier.triaged)} categories corrected by agents`,
  },
  {
    metric: 'timeSavedHours',
    label: 'Time saved (estimate)',
    format: 'effort',
    note: () => 'at 6 minutes per hand-written reply',
  },
];

/** The text a KPI card shows for a summary (the browser test compares against this). */
export function kpiText(metric: KpiMetric, summary: MetricsSummary): string {
  const kpi = kpis.find((k) => k.metric === metric);
  if (!kpi) throw new Error(`unknown KPI ${metric}`);
  return formatters[kpi.format](summary[metric]);
}

// ---- charts -------------------------------------------------------------------------------------

type Unit = 'tickets' | 'h' | '%';

export interface ChartSpec {
  id: string;
  title: string;
  kind: 'bar' | 'line';
  unit: Unit;
  datasets: { label: string; data: (number | null)[] }[];
}

const round = (v: number | null, digits: number) =>
  v === null ? null : Math.round(v * 10 ** digits) / 10 ** digits;
const pct = (v: number | null) => round(v === null ? null : v * 100, 1);
const hours = (v: number | null) => round(v, 2);

/** The time-series charts; the same numbers feed the canvas and its data-table alternative. */
export function chartSpecs(series: SeriesPoint[]): ChartSpec[] {
  const col = (f: (p: SeriesPoint) => number | null) => series.map(f);
  return [
    {
      id: 'volume',
      title: 'Ticket volume',
      kind: 'bar',
      unit: 'tickets',
      datasets: [
        { label: 'Created', data: col((p) => p.tickets) },
        { label: 'Solved', data: col((p) => p.solved) },
      ],
    },
    {
      id: 'first-response',
      title: 'First response time (calendar hours)',
      kind: 'line',
      unit: 'h',
      datasets: [
        { label: 'Median', data: col((p) => hours(p.firstResponseMedianHours)) },
        { label: '90th percentile', data: col((p) => hours(p.firstResponseP90Hours)) },
      ],
    },
    {
      id: 'resolution',
      title: 'Resolution rate',
      kind: 'line',
      unit: '%',
      datasets: [{ label: 'Resolution rate', data: col((p) => pct(p.resolutionRate)) }],
    },
    {
      id: 'drafts',
      title: 'Draft acceptance and edit rate',
      kind: 'line',
      unit: '%',
      datasets: [
        { label: 'Acceptance rate', data: col((p) => pct(p.draftAcceptanceRate)) },
        { label: 'Edit rate', data: col((p) => pct(p.editRate)) },
      ],
    },
    {
      id: 'automation',
      title: 'Automation rate',
      kind: 'line',
      unit: '%',
      datasets: [{ label: 'Automation rate', data: col((p) => pct(p.automationRate)) }],
    },
    {
      id: 'sla',
      title: 'SLA breaches',
      kind: 'line',
      unit: '%',
      datasets: [{ label: 'SLA breach rate', data: col((p) => pct(p.slaBreachRate)) }],
    },
  ];
}

function unitText(unit: Unit, v: number | null): string {
  if (v === null) return NONE;
  if (unit === '%') return `${v.toFixed(1)} %`;
  if (unit === 'h') return `${v} h`;
  return formatCount(v);
}

/** A one-sentence description of a chart for screen readers (the table has every value). */
export function chartSummary(spec: ChartSpec, labels: string[], periodName: string): string {
  const parts = spec.datasets.map((d) => {
    const points = d.data
      .map((v, i) => ({ v, label: labels[i] ?? '' }))
      .filter((p): p is { v: number; label: string } => p.v !== null);
    if (!points.length) return `${d.label}: no data`;
    const top = points.reduce((a, b) => (b.v > a.v ? b : a));
    const low = points.reduce((a, b) => (b.v < a.v ? b : a));
    if (spec.unit === 'tickets') {
      const total = points.reduce((s, p) => s + p.v, 0);
      return `${d.label}: ${formatCount(total)} in total, most on ${top.label} (${formatCount(top.v)})`;
    }
    return `${d.label}: from ${unitText(spec.unit, low.v)} (${low.label}) to ${unitText(spec.unit, top.v)} (${top.label})`;
  });
  const span = labels.length ? `, ${labels[0]} to ${labels.at(-1)}` : '';
  return `${spec.title} per ${periodName}${span}. ${parts.join('. ')}. The values are in the data table below the chart.`;
}

/** Chart data for dashboard.js, as JSON inside a non-executable script element. */
function chartJson(labels: string[], specs: ChartSpec[]): string {
  // `<` escaped so no value can close the script element.
  return JSON.stringify({ labels, charts: specs }).replace(/</g, '\\u003c');
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
      <p class="muted hint">
        Tickets are counted by the day they were created, in the business time zone ({data.timeZone}
        ). Backlog is the state at the end of the last day.
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

const Charts: FC<{ data: DashboardData; search: string }> = ({ data, search }) => {
  const labels = data.series.map((p) => p.key);
  const specs = chartSpecs(data.series);
  const periodName = data.params.period;
  return (
    <section aria-labelledby="charts-heading">
      <div class="section-head">
        <h2 id="charts-heading">Per {periodName}</h2>
        <CsvLink section="timeseries" search={search} what={`metrics per ${periodName}`} />
      </div>
      <script
        type="application/json"
        id="dashboard-charts"
        dangerouslySetInnerHTML={{ __html: chartJson(labels, specs) }}
      />
      <div class="charts">
        {specs.map((spec) => (
          <figure class="chart" aria-labelledby={`chart-${spec.id}-title`}>
            <figcaption id={`chart-${spec.id}-title`}>
              {spec.title}{' '}
              <span class="muted">
                per {periodName}
                {spec.unit === 'tickets' ? '' : `, ${spec.unit === '%' ? 'percent' : 'hours'}`}
              </span>
            </figcaption>
            <div class="chart-box">
              <canvas
                id={`chart-${spec.id}`}
                data-chart={spec.id}
                role="img"
                aria-label={chartSummary(spec, labels, periodName)}
              />
            </div>
            <details>
              <summary>Data table</summary>
              <table class="data">
                <caption class="visually-hidden">
                  {spec.title} per {periodName}
                </caption>
                <thead>
                  <tr>
                    <th scope="col">{periodName === 'day' ? 'Day' : 'Week of'}</th>
                    {spec.datasets.map((d) => (
                      <th scope="col" class="num">
                        {d.label}
                      </th>
                    ))}
                  </tr>
                </thead>
                <tbody>
                  {labels.map((label, i) => (
                    <tr>
                      <th scope="row">{label}</th>
                      {spec.datasets.map((d) => (
                        <td class="num">{unitText(spec.unit, d.data[i] ?? null)}</td>
                      ))}
                    </tr>
                  ))}
                </tbody>
              </table>
            </details>
          </figure>
        ))}
      </div>
    </section>
  );
};

const CategoryTable: FC<{ data: DashboardData; search: string }> = ({ data, search }) => (
  <section aria-labelledby="category-heading">
    <div class="section-head">
      <h2 id="category-heading">By category</h2>
      <CsvLink section="by-category" search={search} what="metrics by category" />
    </div>
    {data.byCategory.length ? (
      <div class="table-scroll">
        <table class="data" data-testid="category-table">
          <caption class="visually-hidden">Metrics by ticket category</caption>
          <thead>
            <tr>
              <th scope="col">Category</th>
              <th scope="col" class="num">
                Tickets
              </th>
              <th scope="col" class="num">
                Resolution rate
              </th>
              <th scope="col" class="num">
                First response, median
              </th>
              <th scope="col" class="num">
                First response, p90
              </th>
              <th scope="col" class="num">
                SLA breach rate
              </th>
              <th scope="col" class="num">
                Draft acceptance
              </th>
              <th scope="col" class="num">
                Automation rate
              </th>
              <th scope="col" class="num">
                Classifier accuracy
              </th>
            </tr>
          </thead>
          <tbody>
            {data.byCategory.map((row) => (
              <tr>
                <th scope="row">{row.key}</th>
                <td class="num">{formatCount(row.tickets)}</td>
                <td class="num">{formatRate(row.resolutionRate)}</td>
                <td class="num">{formatHours(row.firstResponseMedianHours)}</td>
                <td class="num">{formatHours(row.firstResponseP90Hours)}</td>
                <td class="num">{formatRate(row.slaBreachRate)}</td>
                <td class="num">{formatRate(row.draftAcceptanceRate)}</td>
                <td class="num">{formatRate(row.automationRate)}</td>
                <td class="num">{formatRate(row.classifierAccuracy)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    ) : (
      <p class="muted">No tickets in this range.</p>
    )}
  </section>
);

const ConfusionTable: FC<{ data: DashboardData; search: string }> = ({ data, search }) => (
  <section aria-labelledby="confusion-heading">
    <div class="section-head">
      <h2 id="confusion-heading">Classifier: most confused categories</h2>
      <CsvLink section="confusions" search={search} what="confused category pairs" />
    </div>
    <p class="muted">
      Accuracy {formatRate(data.classifier.accuracy)}: agents corrected{' '}
      {formatCount(data.classifier.corrected)} of {formatCount(data.classifier.triaged)} predicted
      categories. Predictions nobody corrected count as right, so this is an upper bound.
    </p>
    {data.classifier.confusions.length ? (
      <table class="data narrow" data-testid="confusion-table">
        <caption class="visually-hidden">Predicted category and the agents' correction</caption>
        <thead>
          <tr>
            <th scope="col">Predicted</th>
            <th scope="col">Corrected to</th>
            <th scope="col" class="num">
              Tickets
            </th>
          </tr>
        </thead>
        <tbody>
          {data.classifier.confusions.map((c) => (
            <tr>
              <td>{c.predicted}</td>
              <td>{c.corrected}</td>
              <td class="num">{formatCount(c.count)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    ) : (
      <p class="muted">No corrections in this range.</p>
    )}
  </section>
);

const RejectionTable: FC<{ data: DashboardData; search: string }> = ({ data, search }) => {
  const reasons = data.summary.rejectionReasons;
  const total = reasons.reduce((s, r) => s + r.count, 0);
  return (
    <section aria-labelledby="rejection-heading">
      <div class="section-head">
        <h2 id="rejection-heading">Draft rejection reasons</h2>
        <CsvLink section="rejection-reasons" search={search} what="draft rejection reasons" />
      </div>
      {reasons.length ? (
        <table class="data narrow" data-testid="rejection-table">
          <caption class="visually-hidden">Why agents rejected drafts</caption>
          <thead>
            <tr>
              <th scope="col">Reason</th>
              <th scope="col" class="num">
                Drafts
              </th>
              <th scope="col" class="num">
                Share
              </th>
            </tr>
          </thead>
          <tbody>
            {reasons.map((r) => (
              <tr>
                <td>{r.reason}</td>
                <td class="num">{formatCount(r.count)}</td>
                <td class="num">{formatRate(total ? r.count / total : null)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <p class="muted">No drafts rejected in this range.</p>
      )}
      <h3>Recent comments</h3>
      {data.summary.rejectionComments.length ? (
        <ul class="comments" data-testid="rejection-comments">
          {data.summary.rejectionComments.map((c) => (
            <li>
              <span class="muted">
                {c.at.slice(0, 10)} · {c.reason}:
              </span>{' '}
              {c.comment}
            </li>
          ))}
        </ul>
      ) : (
        <p class="muted">No comments with the rejections in this range.</p>
      )}
    </section>
  );
};

export const DashboardPage: FC<{
  user: SessionPrincipal;
  data: DashboardData;
  error?: string;
}> = ({ user, data, error }) => {
  const search = dashboardSearch(data.params);
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
          {data.params.from} to {data.params.to}
        </p>
        {error ? (
          <p class="error" role="alert">
            {error}
          </p>
        ) : null}
        <FilterForm data={data} />
        <KpiCards data={data} search={search} />
        <Charts data={data} search={search} />
        <CategoryTable data={data} search={search} />
        <div class="dashboard-pair">
          <ConfusionTable data={data} search={search} />
          <RejectionTable data={data} search={search} />
        </div>
      </div>
    </Layout>
  );
};
