/** How the dashboard writes numbers. A metric without data says so instead of showing 0 or 100 %. */

export const NO_DATA = 'no data yet';

export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

/** Durations: minutes under an hour, hours under two days, then days. */
export function formatHours(h: number | null): string {
  if (h === null) return NO_DATA;
  if (h < 1) return `${Math.round(h * 60)} min`;
  if (h < 48) return `${h.toFixed(1)} h`;
  return `${(h / 24).toFixed(1)} d`;
}

export function formatRate(r: number | null): string {
  return r === null ? NO_DATA : `${(r * 100).toFixed(1)} %`;
}

/** Work time adds up in hours (two days of saved work is 16 h of agent time, not "2 d"). */
export function formatEffort(h: number | null): string {
  if (h === null) return NO_DATA;
  return `${h.toLocaleString('en-US', { minimumFractionDigits: 1, maximumFractionDigits: 1 })} h`;
}

export type Format = 'count' | 'hours' | 'effort' | 'rate';
export const formatters: Record<Format, (v: number | null) => string> = {
  count: (v) => (v === null ? NO_DATA : formatCount(v)),
  hours: formatHours,
  effort: formatEffort,
  rate: formatRate,
};
