import type { Context, Hono } from 'hono';
import { z } from 'zod';
import { listGapTicketSubjects } from '../../../db/queries/kb-gap-links.js';
import type { Deps } from '../../../deps.js';
import type { Freshness } from '../../routes/metrics/shared.js';
import { localDay, parseDashboardQuery } from '../dashboard-data.js';
import type { UiEnv } from '../session.js';

/** The router every dashboard page and export registers itself on. */
export type DashboardApp = Hono<UiEnv>;

/** What every dashboard operation registers with: the container and the one refresh they share. */
export interface DashboardDeps extends Deps {
  /** Brings the facts table up to date before reading, at most every 15 s (like the API). */
  fresh: Freshness;
}

/** The dashboard's GET parameters, the period defaulting to the days up to today in TIME_ZONE. */
export function dashboardQuery(deps: Pick<Deps, 'now' | 'config'>, c: Context<UiEnv>) {
  return parseDashboardQuery(c.req.query(), localDay(deps.now(), deps.config.TIME_ZONE));
}

/** Ticket ids of a gap topic, as the panel's form sends them (comma-separated). */
export const gapTicketIds = z
  .string()
  .default('')
  .transform((s) =>
    s
      .split(',')
      .map((id) => id.trim())
      .filter(Boolean),
  )
  .pipe(z.array(z.uuid()).max(1_000));

/** The subjects of a gap's tickets, as `ids` (the form's value) names them; none when malformed. */
export async function gapTickets(deps: Pick<Deps, 'db'>, ids: unknown) {
  const parsed = gapTicketIds.safeParse(ids);
  return {
    valid: parsed.success,
    tickets: parsed.success ? await listGapTicketSubjects(deps.db, parsed.data) : [],
  };
}
