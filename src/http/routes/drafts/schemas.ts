import { z } from '@hono/zod-openapi';
import { type ActorNames, actorLabelOrNull, actorNames } from '../../../auth/actor-names.js';
import type { Db } from '../../../db/client.js';
import { getDeliveryForDraft } from '../../../db/queries/drafts.js';
import { type Delivery, type Draft, draftKinds } from '../../../db/schema/drafts.js';
import { type CitedSource, describeCitations } from '../../../kb/citations.js';
import { NO_SMTP_REASON } from '../../../pipeline/deliver/deliver.js';
import { deliveryWording } from '../../../pipeline/deliver/wording.js';
import { isHoldingDraft } from '../../../pipeline/review/actions.js';

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

/** The readable twin of an author field (see auth/actor-names.ts). */
function actorNameField(field: string) {
  return z
    .string()
    .nullable()
    .openapi({
      description: `\`${field}\` as people read it: a person's name, \`API key “<name>”\` for a key (\`API key <id prefix> (deleted)\` once deleted), Deskpilot's own name as it is; null when \`${field}\` is`,
    });
}

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
    claimedBy: z.string().nullable().openapi({
      description: 'Who holds the claim, as recorded: a person by email, an API key by its id',
    }),
    claimedByName: actorNameField('claimedBy'),
    decidedBy: z.string().nullable().openapi({
      description:
        'Who approved, rejected or withdrew it, as recorded: a person by email, an API key by its id, Deskpilot by a name (auto-send)',
    }),
    decidedByName: actorNameField('decidedBy'),
    savedBy: z.string().nullable().openapi({
      description:
        'Who last saved an edit of its text, as recorded (a person by email, a key by id)',
    }),
    savedByName: actorNameField('savedBy'),
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
  const [names, sources] = await Promise.all([
    draftActorNames(db, [d]),
    describeCitations(db, d.citations),
  ]);
  return draftView(d, names, sources);
}

/** One draft as the API shows it, its authors named (an action's answer). */
export async function draftViewOf(db: Db, d: Draft) {
  return draftView(d, await draftActorNames(db, [d]));
}

/** The readable names of everyone the drafts' views name (one query for them all). */
export function draftActorNames(db: Db, drafts: Draft[]): Promise<ActorNames> {
  return actorNames(
    db,
    drafts.flatMap((d) => [d.claimedBy, d.decidedBy, d.savedBy]),
  );
}

/** A draft as the API shows it; `names` from draftActorNames over the drafts of the response. */
export function draftView(d: Draft, names: ActorNames, sources?: CitedSource[]) {
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
    claimedByName: actorLabelOrNull(d.claimedBy, names),
    decidedBy: d.decidedBy,
    decidedByName: actorLabelOrNull(d.decidedBy, names),
    savedBy: d.savedBy,
    savedByName: actorLabelOrNull(d.savedBy, names),
    slaDueAt: d.slaDueAt?.toISOString() ?? null,
    overdue: d.overdue,
    createdAt: d.createdAt.toISOString(),
  };
}

/** A draft's delivery as the API shows it beside the draft: where it stands, and its last error. */
export const deliverySummarySchema = z.object({
  state: z.string(),
  channel: z.string(),
  attempts: z.number(),
  lastError: z.string().nullable(),
});

export function deliverySummary(delivery: Delivery): z.infer<typeof deliverySummarySchema> {
  return {
    state: delivery.state,
    channel: delivery.channel,
    attempts: delivery.attempts,
    lastError: delivery.lastError,
  };
}

export const params = z.object({ id: z.uuid() });
export const lockBody = z.object({ lockVersion: z.number().int().min(0).optional() });
/** The explicit yes an abstained draft's holding text needs before it goes out unchanged. */
export const holdingReplyField = z.boolean().optional().openapi({
  description:
    'Required (true) to send an abstained draft (`state: abstained`, "no grounded answer") with its text unchanged: that text is a holding reply, not an answer. Without it such an approval is a 409 and nothing is sent; the approval event records `holdingReply: true`.',
});
export const security = [{ apiKey: [] }];
export const draftResponse = {
  200: {
    description: 'The draft after the action',
    content: { 'application/json': { schema: z.object({ draft: draftSchema }) } },
  },
};

/** An approval's answer: the draft and when its reply will go (the end of the undo window). */
export const approvedResponse = {
  200: {
    description:
      'Approved. The reply waits out the undo window (SEND_DELAY_SECONDS) before delivery starts; POST /api/drafts/{id}/undo before `sendAfter` takes it back. 409 when the draft changed, is claimed or decided, or is an abstained draft sent with its holding text unchanged and without `holdingReply: true` (nothing is sent)',
    content: {
      'application/json': {
        schema: z.object({
          draft: draftSchema,
          holdingReply: z.boolean().openapi({
            description:
              'The reply sent is the holding text of an abstained draft (no grounded answer), not an answer',
          }),
          delivery: z
            .object({
              state: z.string(),
              sendAfter: z.string().nullable(),
              status: z.string().openapi({
                description:
                  'In words, e.g. "waiting to be sent" or "held — no outbound mail is configured (SMTP_URL)"',
              }),
            })
            .nullable(),
        }),
      },
    },
  },
};

/** `known`: the delivery the approval just wrote, when it returned it (read otherwise). */
export async function approvedView(
  db: Db,
  d: Draft,
  config: { SMTP_URL?: string },
  known?: Delivery | null,
) {
  const [delivery, draft] = await Promise.all([
    known !== undefined ? known : getDeliveryForDraft(db, d.id),
    draftViewOf(db, d),
  ]);
  return {
    draft,
    holdingReply: isHoldingDraft(d) && d.finalText?.trim() === d.bodyText.trim(),
    delivery: delivery
      ? {
          state: delivery.state,
          sendAfter: delivery.sendAfter?.toISOString() ?? null,
          status:
            delivery.state === 'pending' && delivery.channel === 'email' && !config.SMTP_URL
              ? `will be held — ${NO_SMTP_REASON}`
              : deliveryWording(delivery),
        }
      : null,
  };
}
