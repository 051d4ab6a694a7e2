import { z } from '@hono/zod-openapi';
import type { Db } from '../../../db/client.js';
import { type Draft, draftKinds } from '../../../db/schema/drafts.js';
import { type CitedSource, describeCitations } from '../../../kb/citations.js';

const citationSchema = z.object({
  index: z.number().openapi({ description: 'The [n] the draft text uses' }),
  articleId: z.string().nullable().openapi({
    description:
      'The article id you imported it with (JSONL id, file path, Help Center article id); null for an old draft whose article was deleted',
  }),
  title: z.string(),
  url: z.string().nullable(),
  section: z.string(),
  score: z.number(),
  state: z.enum(['live', 'changed', 'removed']).optional().openapi({
    description:
      'live: the passage is still in the knowledge base; changed: its article was edited since; removed: the article was deleted since',
  }),
});

export const draftSchema = z
  .object({
    id: z.string(),
    ticketId: z.string(),
    version: z.number(),
    status: z.string(),
    kind: z.enum(draftKinds),
    text: z.string(),
    finalText: z.string().nullable(),
    citations: z.array(citationSchema),
    model: z.string(),
    promptVersion: z.string().nullable(),
    confidence: z.number().openapi({
      description:
        'Calibrated 0–1 confidence of the best cited article (gate: DRAFT_MIN_CONFIDENCE)',
    }),
    state: z.enum(['answered', 'abstained']).openapi({
      description:
        'abstained: no grounded answer; a person writes the reply ("needs a human reply")',
    }),
    reason: z
      .string()
      .nullable()
      .openapi({ description: 'Why it abstained or fell back from the LLM; shown to the agent' }),
    language: z.string().nullable(),
    regeneration: z
      .object({
        applied: z.array(z.string()),
        ignored: z.array(z.string()),
        unchanged: z.boolean(),
      })
      .nullable()
      .openapi({
        description:
          'For a regenerated version: the instructions applied and ignored, and whether the text is identical to the previous version',
      }),
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

/**
 * The API shows citations by the ids and URLs the team imported its articles with, never
 * Deskpilot's internal ids; with `sources` (checked against the knowledge base now) each says
 * whether its passage still exists.
 */
function citationsView(d: Draft, sources?: CitedSource[]) {
  return d.citations.map((c) => {
    const now = sources?.find((s) => s.index === c.index);
    return {
      index: c.index,
      articleId: now ? now.externalId : (c.externalId ?? null),
      title: c.title,
      url: now ? now.url : c.url,
      section: c.section,
      score: c.score,
      ...(now ? { state: now.state } : {}),
    };
  });
}

/** draftView with every citation checked against the knowledge base as it is now. */
export async function draftViewWithSources(db: Db, d: Draft) {
  return draftView(d, await describeCitations(db, d.citations));
}

export function draftView(d: Draft, sources?: CitedSource[]) {
  return {
    id: d.id,
    ticketId: d.ticketId,
    version: d.version,
    status: d.status,
    kind: d.kind,
    text: d.bodyText,
    finalText: d.finalText,
    citations: citationsView(d, sources),
    model: d.model,
    promptVersion: d.promptVersion,
    confidence: d.confidence,
    state: d.state,
    reason: d.reason,
    language: d.language,
    regeneration: d.regeneration ?? null,
    guardFlags: d.guardFlags,
    needsHuman: d.needsHuman,
    lockVersion: d.lockVersion,
    claimedBy: d.claimedBy,
    slaDueAt: d.slaDueAt?.toISOString() ?? null,
    overdue: d.overdue,
    createdAt: d.createdAt.toISOString(),
  };
}

export const params = z.object({ id: z.uuid() });
export const lockBody = z.object({ lockVersion: z.number().int().min(0).optional() });
export const security = [{ apiKey: [] }];
export const draftResponse = {
  200: {
    description: 'The draft after the action',
    content: { 'application/json': { schema: z.object({ draft: draftSchema }) } },
  },
};
