import type { FC } from 'hono/jsx';
import { rejectionCodes } from '../../../metrics/index.js';
import { type DashboardData, scopeNote, ticketListHref } from '../dashboard-data.js';
import { ChartFigure, type ChartSpec } from './dashboard-charts.js';
import { formatCount, formatHours, formatRate } from './dashboard-format.js';

type Csv = { csv: unknown };

export const CategoryTable: FC<{ data: DashboardData } & Csv> = ({ data, csv }) => {
  const recall = new Map(data.classifier.byCategory.map((c) => [c.category, c.recall]));
  return (
    <section aria-labelledby="category-heading">
      <div class="section-head">
        <h2 id="category-heading">By category</h2>
        {csv}
      </div>
      <p class="muted">
        {scopeNote(data)} · the category is the agents' correction when there is one
      </p>
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
                  First reply, median
                </th>
                <th scope="col" class="num">
                  First reply, p90
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
                  Classifier recall
                </th>
              </tr>
            </thead>
            <tbody>
              {data.byCategory.map((row) => (
                <tr>
                  <th scope="row">
                    {data.params.basis === 'created' ? (
                      <a href={ticketListHref(data.params, { category: row.key })}>{row.key}</a>
                    ) : (
                      row.key
                    )}
                  </th>
                  <td class="num">{formatCount(row.tickets)}</td>
                  <td class="num">{formatRate(row.resolutionRate)}</td>
                  <td class="num">{formatHours(row.firstResponseMedianHours)}</td>
                  <td class="num">{formatHours(row.firstResponseP90Hours)}</td>
                  <td class="num">{formatRate(row.slaBreachRate)}</td>
                  <td class="num">{formatRate(row.draftAcceptanceRate)}</td>
                  <td class="num">{formatRate(row.automationRate)}</td>
                  <td class="num">{formatRate(recall.get(row.key) ?? null)}</td>
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
};

/** Precision (by predicted category) and recall (by final category), and the confused pairs. */
export const ClassifierSection: FC<{ data: DashboardData; confusionsCsv: unknown } & Csv> = ({
  data,
  csv,
  confusionsCsv,
}) => {
  const c = data.classifier;
  return (
    <section aria-labelledby="classifier-heading">
      <div class="section-head">
        <h2 id="classifier-heading">Classifier</h2>
        {csv}
      </div>
      <p class="muted" data-testid="classifier-evidence">
        {c.corrected === 0
          ? `No data yet: agents corrected none of ${formatCount(c.triaged)} predicted categories, so there is nothing to measure against.`
          : `Accuracy ${formatRate(c.accuracy)}: agents corrected ${formatCount(c.corrected)} of ${formatCount(c.triaged)} predicted categories. Predictions nobody corrected count as right, so these are upper bounds.`}
      </p>
      {c.byCategory.length ? (
        <table class="data narrow" data-testid="classifier-table">
          <caption class="visually-hidden">
            Precision by predicted category and recall by final category
          </caption>
          <thead>
            <tr>
              <th scope="col">Category</th>
              <th scope="col" class="num">
                Predicted
              </th>
              <th scope="col" class="num">
                Precision
              </th>
              <th scope="col" class="num">
                Actual
              </th>
              <th scope="col" class="num">
                Recall
              </th>
            </tr>
          </thead>
          <tbody>
            {c.byCategory.map((r) => (
              <tr>
                <th scope="row">{r.category}</th>
                <td class="num">{formatCount(r.predicted)}</td>
                <td class="num">{formatRate(r.precision)}</td>
                <td class="num">{formatCount(r.actual)}</td>
                <td class="num">{formatRate(r.recall)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      <div class="section-head">
        <h3>Most confused categories</h3>
        {confusionsCsv}
      </div>
      {c.confusions.length ? (
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
            {c.confusions.map((x) => (
              <tr>
                <td>{x.predicted}</td>
                <td>{x.corrected}</td>
                <td class="num">{formatCount(x.count)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <p class="muted">No corrections in this range.</p>
      )}
    </section>
  );
};

/** The rejection chart: every fixed reason code, in the inbox's order, zero included. */
export function rejectionSpec(data: DashboardData): ChartSpec {
  const counts = new Map(data.summary.rejectionReasons.map((r) => [r.reason, r.count]));
  const labels = [...rejectionCodes];
  const link =
    data.params.basis === 'created'
      ? ticketListHref(data.params, { draftState: 'rejected' })
      : null;
  return {
    id: 'rejections',
    title: 'Draft rejection reasons',
    kind: 'bar',
    unit: 'tickets',
    labels,
    links: labels.map(() => link),
    datasets: [{ label: 'Rejected drafts', data: labels.map((l) => counts.get(l) ?? 0) }],
  };
}

export const RejectionSection: FC<
  { data: DashboardData; spec: ChartSpec; commentsCsv: unknown } & Csv
> = ({ data, spec, csv, commentsCsv }) => {
  const total = data.summary.rejectionReasons.reduce((s, r) => s + r.count, 0);
  const labels = spec.labels ?? [];
  return (
    <section aria-labelledby="rejection-heading">
      <div class="section-head">
        <h2 id="rejection-heading">Draft rejection reasons</h2>
        {csv}
      </div>
      {total ? (
        <ChartFigure
          spec={spec}
          labels={labels}
          rowHeader="Reason"
          caption={`rejected drafts · ${scopeNote(data)}`}
          summary={`Draft rejection reasons: ${labels
            .map((l, i) => `${l} ${spec.datasets[0]?.data[i] ?? 0}`)
            .join(', ')}. The values are in the data table below the chart.`}
        />
      ) : (
        <p class="muted">No drafts rejected in this range.</p>
      )}
      <div class="section-head">
        <h3>Recent comments</h3>
        {commentsCsv}
      </div>
      {data.summary.rejectionComments.length ? (
        <ul class="comments" data-testid="rejection-comments">
          {data.summary.rejectionComments.map((c) => (
            <li>
              <span class="muted">
                {c.at.slice(0, 10)} · {c.reason}:
              </span>{' '}
              {c.comment} <a href={`/app/tickets/${c.ticketId}`}>ticket</a>
            </li>
          ))}
        </ul>
      ) : (
        <p class="muted">No comments with the rejections in this range.</p>
      )}
    </section>
  );
};
