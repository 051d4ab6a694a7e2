import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { getDraftInScope, teamScope } from '../../../auth/team-scope.js';
import { getDeliveryForDraft, listPendingDrafts } from '../../../db/queries/drafts.js';
import type { Draft } from '../../../db/schema/drafts.js';
import { priorities } from '../../../db/schema/triage.js';
import type { Deps } from '../../../deps.js';
import {
  approveDraft,
  claim,
  type ReviewResult,
  regenerateDraft,
  rejectDraft,
} from '../../../pipeline/review/actions.js';
import type { AppEnv } from '../../context.js';
import { AppError, describeIssues } from '../../errors.js';
import { requireRole } from '../../middleware/auth.js';
import { createRouter } from '../../openapi.js';

const citationSchema = z.object({
  index: z.number(),
  chunkId: z.string(),
  articleId: z.string(),
  title: z.string(),
  url: z.string().nullable(),
  section: z.string(),
  score: z.number(),
});

export const draftSchema = z
  .object({
    id: z.string(),
    ticketId: z.string(),
    version: z.number(),
    status: z.string(),
    kind: z.enum(['llm', 'extractive', 'no_answer']),
    text: z.string(),
    finalText: z.string().nullable(),
    citations: z.array(citationSchema),
    model: z.string(),
    promptVersion: z.string().nullable(),
    confidence: z.number(),
    guardFlags: z.array(z.string()),
    needsHuman: z.boolean(),
    lockVersion: z
      .number()
      .openapi({ description: 'Send back on approve/reject/regenerate (optimistic locking)' }),
    claimedBy: z.string().nullable(),
    slaDueAt: z.string().nullable(),
    overdue: z.boolean(),
    createdAt: z.string(),
  })
  .openapi('Draft');

export function draftView(d: Draft) {
  return {
    id: d.id,
    ticketId: d.ticketId,
    version: d.version,
    status: d.status,
    kind: d.kind,
    text: d.bodyText,
    finalText: d.finalText,
    citations: d.citations,
    model: d.model,
    promptVersion: d.promptVersion,
    confidence: d.confidence,
    guardFlags: d.guardFlags,
    needsHuman: d.needsHuman,
    lockVersion: d.lockVersion,
    claimedBy: d.claimedBy,
    slaDueAt: d.slaDueAt?.toISOString() ?? null,
    overdue: d.overdue,
    createdAt: d.createdAt.toISOString(),
  };
}

/** Maps a review failure onto the envelope: 404 gone, 409 someone else was first. */
export function reviewError(result: Extract<ReviewResult, { ok: false }>): never {
  switch (result.reason) {
    case 'not_found':
      throw new AppError('not_found', 'No such draft');
    case 'claimed_by_other':
      throw new AppError(
        'conflict',
        `Draft is claimed by ${result.draft?.claimedBy ?? 'another agent'}`,
      );
    case 'not_pending':
      throw new AppError('conflict', `Draft is already ${result.draft?.status ?? 'decided'}`);
    default:
      throw new AppError('conflict', 'Draft changed since you loaded it (reload and try again)');
  }
}

const params = z.object({ id: z.uuid() });
const lockBody = z.object({ lockVersion: z.number().int().min(0).optional() });
const security = [{ apiKey: [] }];
const draftResponse = {
  200: {
    description: 'The draft after the action',
    content: { 'application/json': { schema: z.object({ draft: draftSchema }) } },
  },
};

const routes = {
  list: createRoute({
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
  }),
  get: createRoute({
    method: 'get',
    path: '/api/drafts/{id}',
    summary: 'One draft with its delivery state (agent)',
    security,
    request: { params },
    responses: {
      200: {
        description: 'Draft',
        content: {
          'application/json': {
            schema: z.object({
              draft: draftSchema,
              delivery: z
                .object({
                  state: z.string(),
                  channel: z.string(),
                  attempts: z.number(),
                  lastError: z.string().nullable(),
                })
                .nullable(),
            }),
          },
        },
      },
    },
  }),
  claim: createRoute({
    method: 'post',
    path: '/api/drafts/{id}/claim',
    summary: 'Claim a draft so no other agent approves it meanwhile (agent)',
    security,
    request: { params },
    responses: draftResponse,
  }),
  approve: createRoute({
    method: 'post',
    path: '/api/drafts/{id}/approve',
    summary: 'Approve and send as written (agent). Optional body: {"lockVersion": n}',
    security,
    request: { params },
    responses: draftResponse,
  }),
  edit: createRoute({
    method: 'post',
    path: '/api/drafts/{id}/edit',
    summary:
      'Edit and approve: the final text, a diff and the word edit distance are stored (agent)',
    security,
    request: {
      params,
      body: {
        content: {
          'application/json': {
            schema: lockBody.extend({ text: z.string().trim().min(1).max(20_000) }),
          },
        },
        required: true,
      },
    },
    responses: draftResponse,
  }),
  reject: createRoute({
    method: 'post',
    path: '/api/drafts/{id}/reject',
    summary: 'Reject with a reason (agent)',
    security,
    request: {
      params,
      body: {
        content: {
          'application/json': {
            schema: lockBody.extend({ reason: z.string().trim().min(1).max(500) }),
          },
        },
        required: true,
      },
    },
    responses: draftResponse,
  }),
  regenerate: createRoute({
    method: 'post',
    path: '/api/drafts/{id}/regenerate',
    summary: 'Ask for a new version, optionally with instructions such as "shorter" (agent)',
    security,
    request: { params },
    responses: {
      202: {
        description: 'Queued; the new version appears in the list',
        content: { 'application/json': { schema: z.object({ draft: draftSchema }) } },
      },
    },
  }),
};

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

export function draftRoutes(deps: Deps) {
  const app = createRouter();
  const agent = requireRole(deps, 'agent');
  app.use('/api/drafts', agent);
  app.use('/api/drafts/*', agent);
  const actor = (c: { get: (k: 'principal') => { id: string } | undefined }) =>
    c.get('principal')?.id ?? 'unknown';
  /**
   * The draft this request names, if the caller's team may see its ticket. A draft of another
   * team's ticket answers exactly like a missing one (404), before any action runs.
   */
  const draftInScope = async (c: Context<AppEnv>, id: string) => {
    const draft = await getDraftInScope(deps.db, c.get('principal')!, id);
    if (!draft) throw new AppError('not_found', 'No such draft');
    return draft;
  };
  /** An optional JSON body: empty means {}, anything else must parse and validate (400 otherwise). */
  const optionalBody = async <S extends z.ZodType>(
    c: { req: { text: () => Promise<string> } },
    schema: S,
  ): Promise<z.infer<S>> => {
    const text = (await c.req.text()).trim();
    let json: unknown = {};
    if (text) {
      try {
        json = JSON.parse(text);
      } catch {
        throw new AppError('bad_request', 'Body is not valid JSON');
      }
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success)
      throw new AppError('validation_failed', describeIssues(parsed.error.issues));
    return parsed.data;
  };

  app.openapi(routes.list, async (c) => {
    const q = c.req.valid('query');
    const rows = await listPendingDrafts(deps.db, {
      ...q,
      scopeTeam: teamScope(c.get('principal')!),
      after: decodeCursor(q.cursor),
    });
    const last = rows.at(-1);
    return c.json(
      {
        drafts: rows.map((r) => ({
          ...draftView(r.draft),
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

  app.openapi(routes.get, async (c) => {
    const draft = await draftInScope(c, c.req.valid('param').id);
    const delivery = await getDeliveryForDraft(deps.db, draft.id);
    return c.json(
      {
        draft: draftView(draft),
        delivery: delivery
          ? {
              state: delivery.state,
              channel: delivery.channel,
              attempts: delivery.attempts,
              lastError: delivery.lastError,
            }
          : null,
      },
      200,
    );
  });

  app.openapi(routes.claim, async (c) => {
    await draftInScope(c, c.req.valid('param').id);
    const result = await claim(deps, { draftId: c.req.valid('param').id, actorId: actor(c) });
    if (!result.ok) reviewError(result);
    return c.json({ draft: draftView(result.draft) }, 200);
  });

  app.openapi(routes.approve, async (c) => {
    const { lockVersion } = await optionalBody(c, lockBody);
    await draftInScope(c, c.req.valid('param').id);
    const result = await approveDraft(deps, {
      draftId: c.req.valid('param').id,
      actorId: actor(c),
      lockVersion,
    });
    if (!result.ok) reviewError(result);
    deps.notifyOutbox();
    return c.json({ draft: draftView(result.draft) }, 200);
  });

  app.openapi(routes.edit, async (c) => {
    const input = c.req.valid('json');
    await draftInScope(c, c.req.valid('param').id);
    const result = await approveDraft(deps, {
      draftId: c.req.valid('param').id,
      actorId: actor(c),
      lockVersion: input.lockVersion,
      finalText: input.text,
    });
    if (!result.ok) reviewError(result);
    deps.notifyOutbox();
    return c.json({ draft: draftView(result.draft) }, 200);
  });

  app.openapi(routes.reject, async (c) => {
    const input = c.req.valid('json');
    await draftInScope(c, c.req.valid('param').id);
    const result = await rejectDraft(deps, {
      draftId: c.req.valid('param').id,
      actorId: actor(c),
      lockVersion: input.lockVersion,
      reason: input.reason,
    });
    if (!result.ok) reviewError(result);
    return c.json({ draft: draftView(result.draft) }, 200);
  });

  app.openapi(routes.regenerate, async (c) => {
    const input = await optionalBody(
      c,
      lockBody.extend({ instructions: z.string().trim().max(500).optional() }),
    );
    await draftInScope(c, c.req.valid('param').id);
    const result = await regenerateDraft(deps, {
      draftId: c.req.valid('param').id,
      actorId: actor(c),
      lockVersion: input.lockVersion,
      instructions: input.instructions ?? null,
    });
    if (!result.ok) reviewError(result);
    deps.notifyOutbox();
    return c.json({ draft: draftView(result.draft) }, 202);
  });
  return app;
}
