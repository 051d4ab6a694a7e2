import { z } from '@hono/zod-openapi';
import type { Principal } from '../auth/api-keys.js';
import { teamScope } from '../auth/team-scope.js';
import type { Db } from '../db/client.js';
import {
  type BuiltInView,
  builtInViewNames,
  getSavedView,
  type TicketListFilters,
  type TicketListQuery,
} from '../db/queries/ticket-list.js';
import { draftStates, ticketChannels, ticketStatuses } from '../db/schema/tickets.js';
import { priorities } from '../db/schema/triage.js';
import { AppError, describeIssues } from './errors.js';

const flag = z
  .enum(['true', 'false'])
  .transform((v) => v === 'true')
  .optional();
const text = z.string().trim().max(100).optional();

/**
 * The ticket list's filters as query parameters, shared by `GET /api/tickets` and `/app/tickets`
 * (and stored, without cursor and limit, as a saved view).
 */
export const ticketFilterQuery = z.object({
  status: z.enum(ticketStatuses).optional(),
  queue: text,
  team: text,
  category: text,
  priority: z.enum(priorities).optional(),
  assignee: text,
  channel: z.enum(ticketChannels).optional(),
  automated: flag,
  draftState: z.enum(draftStates).optional(),
  slaBreached: flag,
  q: z.string().trim().max(200).optional(),
  from: z.iso
    .date()
    .optional()
    .openapi({ description: 'Created on or after this day (YYYY-MM-DD, in TIME_ZONE)' }),
  to: z.iso.date().optional().openapi({ description: 'Created on or before this day (inclusive)' }),
  view: z
    .string()
    .trim()
    .max(100)
    .optional()
    .openapi({
      description: `${builtInViewNames.join(' | ')}, or the id of one of your saved views`,
    }),
});
export type TicketFilterQuery = z.infer<typeof ticketFilterQuery>;

export const ticketListQuerySchema = ticketFilterQuery.extend({
  limit: z.coerce.number().int().min(1).max(100).default(25),
  cursor: z
    .string()
    .max(200)
    .optional()
    .openapi({ description: 'nextCursor of the previous page' }),
});

/** The filters of a saved view, as stored (validated again on read: old rows stay harmless). */
export const savedFiltersSchema = ticketFilterQuery.omit({ view: true }).extend({
  view: z.enum(builtInViewNames as [BuiltInView, ...BuiltInView[]]).optional(),
  automated: z.boolean().optional(),
  slaBreached: z.boolean().optional(),
});

export const encodeTicketCursor = (key: { createdAt: string; id: string } | null) =>
  key ? Buffer.from(JSON.stringify({ c: key.createdAt, i: key.id })).toString('base64url') : null;

export function decodeTicketCursor(cursor: string | undefined): TicketListQuery['after'] {
  if (!cursor) return undefined;
  const shape = z.object({ c: z.iso.datetime(), i: z.uuid() });
  try {
    const v = shape.parse(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')));
    return { createdAt: v.c, id: v.i };
  } catch {
    throw new AppError('validation_failed', 'cursor: not a cursor returned by this API');
  }
}

const uuid = z.uuid();

/**
 * Filters from the request, with `view` resolved: a built-in view stays a view, the id of one of
 * the caller's saved views contributes its stored filters (filters given explicitly win).
 * Returns the saved view's name for display.
 */
export async function resolveTicketFilters(
  db: Db,
  principal: Pick<Principal, 'kind' | 'id'>,
  query: TicketFilterQuery,
): Promise<{ filters: TicketListFilters; savedViewName: string | null }> {
  const { view, ...explicit } = query;
  const given = Object.fromEntries(
    Object.entries(explicit).filter(([, v]) => v !== undefined && v !== ''),
  ) as TicketListFilters;
  if (!view) return { filters: given, savedViewName: null };
  if ((builtInViewNames as string[]).includes(view)) {
    return { filters: { ...given, view: view as BuiltInView }, savedViewName: null };
  }
  const saved =
    principal.kind === 'user' && uuid.safeParse(view).success
      ? await getSavedView(db, principal.id, view)
      : null;
  if (!saved) {
    throw new AppError(
      'validation_failed',
      `view: not one of ${builtInViewNames.join(', ')} nor one of your saved views`,
    );
  }
  const stored = savedFiltersSchema.safeParse(saved.filters);
  if (!stored.success) {
    throw new AppError('validation_failed', `view: ${describeIssues(stored.error.issues)}`);
  }
  return { filters: { ...stored.data, ...given }, savedViewName: saved.name };
}

export function scopedQuery(
  principal: Pick<Principal, 'role' | 'teamId'>,
  filters: TicketListFilters,
  page: { limit: number; cursor?: string; timeZone?: string },
): TicketListQuery {
  return {
    ...filters,
    timeZone: page.timeZone,
    scopeTeam: teamScope(principal),
    limit: page.limit,
    after: decodeTicketCursor(page.cursor),
  };
}
