import { createRoute, z } from '@hono/zod-openapi';
import { teamScope } from '../../../auth/team-scope.js';
import { listPendingDrafts } from '../../../db/queries/drafts.js';
import type { Draft } from '../../../db/schema/drafts.js';
import { priorities } from '../../../db/schema/triage.js';
import type { Deps } from '../../../deps.js';
import { describeDraftSources } from '../../../kb/citations.js';
import { AppError } from '../../errors.js';
import type { Router } from '../../openapi.js';
import { readDb } from '../../read-db.js';
import { draftActorNames, draftSchema, draftView, security } from './schemas.js';

export const route = createRoute({
  method: 'get',
  path: '/api/drafts',
  summary: 'Pending drafts, most at risk of breaching SLA first (agent; team-scoped)',
  security,
  request: {
    query: z.object({
      team: z.string().optional(),
      queue: z.string().optional(),
      category: z.string().optional(),
      priority: z.enum(priorities).optional(),
      limit: z.coerce.number().int().min(1).max(100).default(25),
      cursor: z.string().optional().openapi({ description: 'nextCursor from the previous page' }),
    }),
  },
  responses: {
    200: {
      description: 'A page of pending drafts',
      content: {
        'application/json': {
          schema: z.object({
            drafts: z.array(
              draftSchema.extend({
                ticket: z.object({
                  id: z.string(),
                  subject: z.string(),
                  requesterEmail: z.string().nullable(),
                  channel: z.string(),
                  automated: z.boolean(),
                }),
                triage: z.object({
                  category: z.string().nullable(),
                  priority: z.string().nullable(),
                  team: z.string().nullable(),
                  queue: z.string().nullable(),
                }),
              }),
            ),
            nextCursor: z.string().nullable(),
          }),
        },
      },
    },
  },
});

const encodeCursor = (d: Draft) =>
  Buffer.from(JSON.stringify({ s: d.slaDueAt?.toISOString() ?? 'infinity', i: d.id })).toString(
    'base64url',
  );
function decodeCursor(cursor: string | undefined) {
  if (!cursor) return undefined;
  try {
    const v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as {
      s: string;
      i: string;
    };
    if (typeof v.s !== 'string' || typeof v.i !== 'string') throw new Error('shape');
    return { slaDueAt: v.s, id: v.i };
  } catch {
    throw new AppError('validation_failed', 'cursor: not a cursor returned by this API');
  }
}

export function registerListDrafts(app: Router, deps: Deps) {
  app.openapi(route, async (c) => {
    const q = c.req.valid('query');
    // A lag-tolerant list: the replica when fresh enough for this client (readDb).
    const db = readDb(c, deps);
    const rows = await listPendingDrafts(db, {
      ...q,
      scopeTeam: teamScope(c.get('principal')!),
      after: decodeCursor(q.cursor),
    });
    const last = rows.at(-1);
    const drafts = rows.map((r) => r.draft);
    const [sources, names] = await Promise.all([
      describeDraftSources(db, drafts),
      draftActorNames(db, drafts),
    ]);
    return c.json(
      {
        drafts: rows.map((r) => ({
          ...draftView(r.draft, names, sources.get(r.draft.id)),
          ticket: {
            id: r.ticket.id,
            subject: r.ticket.subject,
            requesterEmail: r.ticket.requesterEmail,
            channel: r.ticket.channel,
            automated: r.ticket.automated,
          },
          triage: {
            category: r.triage?.category ?? null,
            priority: r.triage?.priority ?? null,
            team: r.triage?.team ?? null,
            queue: r.triage?.queue ?? null,
          },
        })),
        nextCursor: last && rows.length === q.limit ? encodeCursor(last.draft) : null,
      },
      200,
    );
  });
}
