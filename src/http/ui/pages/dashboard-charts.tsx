import type { FC } from 'hono/jsx';
import {
  type DashboardData,
  periodDays,
  type SeriesPoint,
  scopeNote,
  ticketListHref,
} from '../dashboard-data.js';
import { formatCount, NO_DATA } from './dashboard-format.js';

type Unit = 'tickets' | 'h' | '%';

export interface ChartSpec {
  id: string;
  title: string;
  kind: 'bar' | 'line';
  unit: Unit;
  datasets: { label: string; data: (number | null)[] }[];
  /** Own x labels (a chart that is not per period); default: the periods. */
  labels?: string[];
  /** Per x label: the ticket list filtered to that point (drill-down). */
  links?: (string | null)[];
}

const round = (v: number | null, digits: number) =>
  v === null ? null : Math.round(v * 10 ** digits) / 10 ** digits;
const pct = (v: number | null) => round(v === null ? null : v * 100, 1);
const hours = (v: number | null) => round(v, 2);

/** The time-series charts; the same numbers feed the canvas and its data-table alternative. */
export function chartSpecs(series: SeriesPoint[], links?: (string | null)[]): ChartSpec[] {
  const col = (f: (p: SeriesPoint) => number | null) => series.map(f);
  return [
    {
      id: 'volume',
      title: 'Ticket volume',
      kind: 'bar',
      unit: 'tickets',
      datasets: [
        { label: 'Tickets', data: col((p) => p.tickets) },
        { label: 'Of those, solved', data: col((p) => p.solved) },
      ],
    },
    {
      id: 'first-response',
      title: 'First reply time (calendar hours)',
      kind: 'line',
      unit: 'h',
      datasets: [
        { label: 'Median', data: col((p) => hours(p.firstResponseMedianHours)) },
        { label: '90th percentile', data: col((p) => hours(p.firstResponseP90Hours)) },
        {
          label: 'AI first response, median',
          data: col((p) => hours(p.aiFirstResponseMedianHours)),
        },
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
  ].map((spec) => ({ ...spec, links })) as ChartSpec[];
}

export function unitText(unit: Unit, v: number | null): string {
  if (v === null) return NO_DATA;
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
    if (!points.length) return `${d.label}: no data yet`;
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
export function chartJson(labels: string[], specs: ChartSpec[]): string {
  // `<` escaped so no value can close the script element.
  return JSON.stringify({ labels, charts: specs }).replace(/</g, '\\u003c');
}

/** One chart: caption with its basis and time zone, canvas, and the data table with links. */
export const ChartFigure: FC<{
  spec: ChartSpec;
  labels: string[];
  rowHeader: string;
  caption: string;
  summary: string;
}> = ({ spec, labels, rowHeader, caption, summary }) => (
  <figure class="chart" aria-labelledby={`chart-${spec.id}-title`}>
    <figcaption id={`chart-${spec.id}-title`}>
      {spec.title} <span class="muted">{caption}</span>
    </figcaption>
    <div class="chart-box">
      <canvas
        id={`chart-${spec.id}`}
        data-chart={spec.id}
        data-links={spec.links?.some(Boolean) ? 'true' : undefined}
        role="img"
        aria-label={summary}
      />
    </div>
    <details>
      <summary>Data table</summary>
      <table class="data">
        <caption class="visually-hidden">
          {spec.title}, {caption}
        </caption>
        <thead>
          <tr>
            <th scope="col">{rowHeader}</th>
            {spec.datasets.map((d) => (
              <th scope="col" class="num">
                {d.label}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {labels.map((label, i) => {
            const href = spec.links?.[i];
            return (
              <tr>
                <th scope="row">{href ? <a href={href}>{label}</a> : label}</th>
                {spec.datasets.map((d) => (
                  <td class="num">{unitText(spec.unit, d.data[i] ?? null)}</td>
                ))}
              </tr>
            );
          })}
        </tbody>
      </table>
    </details>
  </figure>
);

/** The per-period chart specs, each point linked to its tickets when the basis is creation. */
export function seriesChartSpecs(data: DashboardData): ChartSpec[] {
  const labels = data.series.map((p) => p.key);
  // The ticket list filters on creation days, so only that basis can drill down.
  const links =
    data.params.basis === 'created'
      ? labels.map((key) => ticketListHref(data.params, periodDays(key, data.params)))
      : undefined;
  return chartSpecs(data.series, links);
}

export const Charts: FC<{ data: DashboardData; specs: ChartSpec[]; csv: unknown }> = ({
  data,
  specs,
  csv,
}) => {
  const labels = data.series.map((p) => p.key);
  const periodName = data.params.period;
  const caption = `per ${periodName} · ${scopeNote(data)}`;
  return (
    <section aria-labelledby="charts-heading">
      <div class="section-head">
        <h2 id="charts-heading">Per {periodName}</h2>
        {csv}
      </div>
      <p class="muted">
        {data.params.basis === 'created'
          ? 'Click a point (or a day in a data table) to list the tickets it counts.'
          : 'Tickets are placed on the day of their latest solve.'}
      </p>
      <div class="charts">
        {specs.map((spec) => (
          <ChartFigure
            spec={spec}
            labels={labels}
            rowHeader={periodName === 'day' ? 'Day' : 'Week of'}
            caption={`${caption}${spec.unit === 'tickets' ? '' : `, ${spec.unit === '%' ? 'percent' : 'hours'}`}`}
            summary={chartSummary(spec, labels, periodName)}
          />
        ))}
      </div>
    </section>
  );
};
