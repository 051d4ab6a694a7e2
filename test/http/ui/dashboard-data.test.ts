import { describe, expect, it } from 'vitest';
import {
  addDays,
  dashboardSearch,
  fillSeries,
  localDay,
  parseDashboardQuery,
  periodKeys,
  type SeriesPoint,
} from '../../../src/http/ui/dashboard-data.js';
import {
  chartSpecs,
  chartSummary,
  formatHours,
  formatRate,
} from '../../../src/http/ui/pages/dashboard.js';

/** The dashboard's pure parts: date ranges in the business time zone, periods, formatting. */
describe('dashboard date range', () => {
  const today = '2026-11-26';

  it('defaults to the 30 days up to today in TIME_ZONE', () => {
    const { params, error } = parseDashboardQuery({}, today);
    expect(error).toBeUndefined();
    expect(params).toMatchObject({ from: '2026-10-28', to: '2026-11-26', period: 'day' });
    // "Today" is the day in the team's zone: still the 25th in Los Angeles.
    expect(localDay(new Date('2026-11-26T05:00:00Z'), 'America/Los_Angeles')).toBe('2026-11-25');
    expect(localDay(new Date('2026-10-24T22:30:00Z'), 'Europe/Berlin')).toBe('2026-10-25');
  });

  it('ignores bad parameters and reports a reversed range', () => {
    const bad = parseDashboardQuery(
      {
        from: '2026-02-30',
        to: 'soon',
        period: 'year',
        basis: 'x',
        channel: '',
        team: ' finance ',
      },
      today,
    );
    expect(bad.params).toEqual({
      from: '2026-10-28',
      to: '2026-11-26',
      period: 'day',
      basis: 'created',
      slices: { team: 'finance' },
    });
    const reversed = parseDashboardQuery({ from: '2026-03-10', to: '2026-03-01' }, today);
    expect(reversed.error).toMatch(/after/);
    expect(reversed.params.to).toBe('2026-11-26');
  });

  it('writes the query string back for links', () => {
    const { params } = parseDashboardQuery(
      { from: '2026-03-01', to: '2026-03-31', period: 'week', category: 'a&b' },
      today,
    );
    expect(dashboardSearch(params)).toBe(
      'from=2026-03-01&to=2026-03-31&period=week&category=a%26b',
    );
    const solved = parseDashboardQuery({ from: '2026-03-01', basis: 'solved' }, today);
    expect(dashboardSearch(solved.params)).toContain('basis=solved');
  });
});

describe('periods', () => {
  it('days, and weeks starting on Monday like date_trunc', () => {
    expect(periodKeys('2026-03-30', '2026-04-02', 'day')).toEqual([
      '2026-03-30',
      '2026-03-31',
      '2026-04-01',
      '2026-04-02',
    ]);
    // 2026-03-01 is a Sunday: its week began on Monday 23 February.
    expect(periodKeys('2026-03-01', '2026-03-09', 'week')).toEqual([
      '2026-02-23',
      '2026-03-02',
      '2026-03-09',
    ]);
    expect(addDays('2024-02-28', 1)).toBe('2024-02-29');
  });

  it('pads the series with empty periods: zero counts, no rates', () => {
    const row = { key: '2026-03-02', tickets: 2, resolutionRate: 0.5 } as SeriesPoint;
    const series = fillSeries([row], { from: '2026-03-01', to: '2026-03-03', period: 'day' });
    expect(series.map((p) => p.key)).toEqual(['2026-03-01', '2026-03-02', '2026-03-03']);
    expect(series[0]).toMatchObject({ tickets: 0, timeSavedHours: 0, resolutionRate: null });
    expect(series[1]).toBe(row);
  });
});

describe('formatting and chart text', () => {
  it('formats durations and rates', () => {
    expect(formatHours(null)).toBe('no data yet');
    expect(formatHours(0.25)).toBe('15 min');
    expect(formatHours(5.04)).toBe('5.0 h');
    expect(formatHours(72)).toBe('3.0 d');
    expect(formatRate(0.8333)).toBe('83.3 %');
  });

  it('describes each chart in a sentence for screen readers', () => {
    const points = [
      { key: '2026-03-01', tickets: 3, solved: 1, resolutionRate: 1 / 3 },
      { key: '2026-03-02', tickets: 5, solved: 5, resolutionRate: 1 },
      { key: '2026-03-03', tickets: 0, solved: 0, resolutionRate: null },
    ] as SeriesPoint[];
    const [volume, , resolution] = chartSpecs(points);
    const labels = points.map((p) => p.key);
    expect(chartSummary(volume!, labels, 'day')).toBe(
      'Ticket volume per day, 2026-03-01 to 2026-03-03. Tickets: 8 in total, most on 2026-03-02 (5). ' +
        'Of those, solved: 6 in total, most on 2026-03-02 (5). The values are in the data table below the chart.',
    );
    expect(resolution!.datasets[0]!.data).toEqual([33.3, 100, null]);
    expect(chartSummary(resolution!, labels, 'day')).toContain(
      'Resolution rate: from 33.3 % (2026-03-01) to 100.0 % (2026-03-02)',
    );
  });
});
