import { LosslessNumber } from 'lossless-json';
import { z } from 'zod';
import type { ZendeskComment, ZendeskGroup, ZendeskId, ZendeskTicket } from './types.js';

/**
 * Zendesk's wire format: ids both ways (exact digits, never through a JavaScript number) and the
 * zod schemas of the responses the client reads.
 */

const ID_PATTERN = /^\d{1,30}$/;

/** Ids go into URLs as the decimal string they are, never through a JavaScript number. */
export function pathId(id: ZendeskId): string {
  if (!ID_PATTERN.test(id)) throw new TypeError(`not a Zendesk id: ${JSON.stringify(id)}`);
  return id;
}

/** Ids go into JSON bodies as numbers with every digit intact. */
export function jsonId(id: ZendeskId): LosslessNumber {
  return new LosslessNumber(pathId(id));
}

// ─── response schemas (field names as in Zendesk's recorded responses) ──────────────────────────

const zid = z
  .union([z.string().regex(ID_PATTERN), z.number().int().nonnegative()])
  .transform((v) => String(v));
const nullableId = zid.nullish().transform((v) => v ?? null);
const nullableString = z
  .string()
  .nullish()
  .transform((v) => v ?? null);

const ticketSchema = z
  .object({
    id: zid,
    subject: nullableString,
    description: nullableString,
    status: z.enum(['new', 'open', 'pending', 'hold', 'solved', 'closed']),
    priority: z.enum(['urgent', 'high', 'normal', 'low']).nullish(),
    type: nullableString,
    group_id: nullableId,
    assignee_id: nullableId,
    requester_id: nullableId,
    organization_id: nullableId,
    brand_id: nullableId,
    external_id: z
      .union([z.string(), z.number()])
      .nullish()
      .transform((v) => (v == null ? null : String(v))),
    tags: z
      .array(z.string())
      .nullish()
      .transform((v) => v ?? []),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .transform(
    (t): ZendeskTicket => ({
      id: t.id,
      subject: t.subject,
      description: t.description,
      status: t.status,
      priority: t.priority ?? null,
      type: t.type,
      groupId: t.group_id,
      assigneeId: t.assignee_id,
      requesterId: t.requester_id,
      organizationId: t.organization_id,
      brandId: t.brand_id,
      externalId: t.external_id,
      tags: t.tags,
      createdAt: t.created_at,
      updatedAt: t.updated_at,
    }),
  );

export const ticketEnvelope = z.object({ ticket: ticketSchema });
export const pageSchema = z.object({
  meta: z.object({ has_more: z.boolean().optional() }).nullish(),
  links: z.object({ next: z.string().nullish() }).nullish(),
  next_page: z.string().nullish(),
});
export type PageMeta = z.output<typeof pageSchema>;
export const tagsEnvelope = z.object({ tags: z.array(z.string()) });

export const auditSchema = z.object({
  id: zid,
  author_id: nullableId,
  created_at: nullableString,
  metadata: z
    .object({ custom: z.record(z.string(), z.unknown()).nullish() })
    .nullish()
    .catch(null),
  events: z
    .array(
      z.object({
        id: nullableId,
        type: z.string(),
        field_name: z.string().nullish(),
        value: z.unknown().optional(),
      }),
    )
    .nullish()
    .transform((v) => v ?? []),
});

export const updateEnvelope = z.object({
  ticket: ticketSchema.optional(),
  audit: auditSchema.nullish(),
});

export const commentSchema = z
  .object({
    id: zid,
    audit_id: nullableId,
    author_id: nullableId,
    body: z.string().nullish(),
    html_body: nullableString,
    plain_body: nullableString,
    public: z.boolean().nullish(),
    created_at: nullableString,
  })
  .transform(
    (c): ZendeskComment => ({
      id: c.id,
      auditId: c.audit_id,
      authorId: c.author_id,
      body: c.body ?? '',
      htmlBody: c.html_body,
      plainBody: c.plain_body,
      public: c.public ?? true,
      createdAt: c.created_at,
    }),
  );

export const groupSchema = z
  .object({ id: zid, name: z.string(), deleted: z.boolean().nullish() })
  .transform((g): ZendeskGroup => ({ id: g.id, name: g.name, deleted: g.deleted ?? false }));
