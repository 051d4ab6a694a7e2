import { z } from '@hono/zod-openapi';
import type { TicketListRow } from '../../../db/queries/ticket-list.js';
import { draftStates, ticketChannels, ticketStatuses } from '../../../db/schema/tickets.js';

export const params = z.object({ id: z.uuid() });
export const security = [{ apiKey: [] }];

export const ticketListItemSchema = z
  .object({
    id: z.string(),
    externalId: z.string().nullable(),
    source: z.string(),
    subject: z.string(),
    status: z.enum(ticketStatuses),
    draftState: z.enum(draftStates).openapi({
      description:
        'none | pending | abstained | rejected | sending (approved, not delivered yet) | answered | delivery_failed (the send failed, or may have) | held (kept from going out by a guard: no outbound mail configured, loop protection, the daily cap; Send again once fixed)',
    }),
    channel: z.enum(ticketChannels),
    requester: z.object({ email: z.string().nullable(), name: z.string().nullable() }),
    automated: z.boolean(),
    triage: z.object({
      category: z.string().nullable(),
      priority: z.string().nullable(),
      team: z.string().nullable(),
      queue: z.string().nullable(),
      assignee: z.string().nullable(),
    }),
    replyDueAt: z.string().nullable(),
    slaBreached: z.boolean(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi('TicketListItem');

export function ticketListItem(r: TicketListRow): z.infer<typeof ticketListItemSchema> {
  return {
    id: r.id,
    externalId: r.externalId,
    source: r.source,
    subject: r.subject,
    status: r.status,
    draftState: r.draftState,
    channel: r.channel,
    requester: { email: r.requesterEmail, name: r.requesterName },
    automated: r.automated,
    triage: {
      category: r.category,
      priority: r.priority,
      team: r.team,
      queue: r.queue,
      assignee: r.assignee,
    },
    replyDueAt: r.replyDueAt?.toISOString() ?? null,
    slaBreached: Boolean(r.slaBreached),
    createdAt: r.createdAt.toISOString(),
    updatedAt: r.updatedAt.toISOString(),
  };
}

const fieldDecisionSchema = z
  .object({
    value: z.string(),
    decidedBy: z
      .enum(['classifier', 'llm', 'rules', 'agent'])
      .openapi({ description: "The field's trained model, the LLM tier, the rules, or an agent" }),
    confidence: z.number().nullable(),
    modelVersion: z.number().nullable(),
    override: z
      .object({ from: z.string(), reason: z.string() })
      .nullable()
      .openapi({ description: "Set when a rule or an agent replaced the model's answer" }),
    reasons: z.array(z.string()),
    explanation: z.array(z.object({ term: z.string(), weight: z.number() })).openapi({
      description: "The ticket's terms that drove the model's answer, strongest first",
    }),
  })
  .openapi('TriageFieldDecision');

export const triageSchema = z
  .object({
    ticketId: z.string(),
    category: z.string(),
    confidence: z.number(),
    decidedBy: z.string(),
    priority: z.string(),
    sentiment: z.string(),
    language: z.string().nullable(),
    team: z.string().nullable(),
    queue: z.string().nullable(),
    tags: z.array(z.string()),
    shouldDraft: z.boolean(),
    matchedRules: z.array(z.string()),
    correctedCategory: z.string().nullable(),
    classifierVersion: z.number().nullable(),
    fields: z
      .record(z.string(), fieldDecisionSchema)
      .openapi({ description: 'Per field (category, priority, queue, …): how it was decided' }),
  })
  .openapi('Triage');
