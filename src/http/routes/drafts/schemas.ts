import { z } from '@hono/zod-openapi';
import { type Draft, draftKinds } from '../../../db/schema/drafts.js';

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
    kind: z.enum(draftKinds),
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

export const params = z.object({ id: z.uuid() });
export const lockBody = z.object({ lockVersion: z.number().int().min(0).optional() });
export const security = [{ apiKey: [] }];
export const draftResponse = {
  200: {
    description: 'The draft after the action',
    content: { 'application/json': { schema: z.object({ draft: draftSchema }) } },
  },
};
