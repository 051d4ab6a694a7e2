import { z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { Deps } from '../../../deps.js';
import {
  type MetricsFilter,
  refreshTicketMetrics,
  sliceDimensions,
  toCsv,
} from '../../../metrics/index.js';
import { AppError } from '../../errors.js';

/** Query parameters every metrics endpoint takes. */
export const filterQuery = z.object({
  from: z.iso
    .datetime({ offset: true })
    .or(z.iso.date())
    .optional()
    .openapi({ description: 'Tickets created at or after (default: 30 days before `to`)' }),
  to: z.iso
    .datetime({ offset: true })
    .or(z.iso.date())
    .optional()
    .openapi({ description: 'Tickets created before (default: now)' }),
  category: z.string().optional(),
  team: z.string().optional(),
  queue: z.string().optional(),
  channel: z.string().optional(),
  language: z.string().optional(),
  priority: z.string().optional(),
  ahtMinutes: z.coerce
    .number()
    .positive()
    .max(600)
    .optional()
    .openapi({ description: 'Minutes to write a reply by hand, for the time-saved estimate (6)' }),
  format: z.enum(['json', 'csv']).optional().openapi({ description: 'or send Accept: text/csv' }),
});
export type FilterQuery = z.infer<typeof filterQuery>;

export const metricValuesSchema = z.record(z.string(), z.number().nullable());

export function toFilter(q: FilterQuery): MetricsFilter {
  const to = q.to ? new Date(q.to) : new Date();
  const from = q.from ? new Date(q.from) : new Date(to.getTime() - 30 * 86_400_000);
  if (from >= to) throw new AppError('validation_failed', '`from` must be before `to`');
  const slices: MetricsFilter['slices'] = {};
  for (const dim of sliceDimensions) if (q[dim] !== undefined) slices[dim] = q[dim];
  return { from, to, slices, ahtMinutes: q.ahtMinutes };
}

export function wantsCsv(c: Context, q: FilterQuery): boolean {
  if (q.format) return q.format === 'csv';
  return /\btext\/csv\b/i.test(c.req.header('accept') ?? '');
}

export function csvResponse(rows: readonly object[], name: string): Response {
  return new Response(toCsv(rows), {
    status: 200,
    headers: {
      'content-type': 'text/csv; charset=utf-8',
      'content-disposition': `attachment; filename="${name}.csv"`,
    },
  });
}

/**
 * Dashboards read `ticket_metrics`; before answering, bring it up to date incrementally, at most
 * once per 15 s per process (a dashboard does not need fresher numbers, and concurrent viewers
 * should not each rescan the recent writes).
 */
export function createFreshness(deps: Pick<Deps, 'db' | 'config'>, maxAgeMs = 15_000) {
  let last = 0;
  let running: Promise<unknown> | null = null;
  return async () => {
    if (Date.now() - last < maxAgeMs) return;
    running ??= refreshTicketMetrics(deps.db, deps.config).finally(() => {
      last = Date.now();
      running = null;
    });
    await running;
  };
}
