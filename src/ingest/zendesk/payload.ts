import { isSafeNumber, parse } from 'lossless-json';
import { z } from 'zod';
import { mapZendeskStatus } from './status.js';

/**
 * Zendesk ids can exceed 2^53, which JSON.parse silently rounds. lossless-json hands us the
 * digits, and unsafe integers stay strings; every id field is then normalised to a string.
 */
export function parseZendeskJson(raw: string): unknown {
  return parse(raw, null, (digits) => (isSafeNumber(digits) ? Number(digits) : digits));
}

const zid = z
  .union([z.string().regex(/^\d{1,30}$/, 'expected a numeric id'), z.number().int().nonnegative()])
  .transform(String);
const optionalZid = z.union([zid, z.null()]).optional();
/** Any spelling is accepted; `mapZendeskStatus` says whether we know it (see status.ts). */
const status = z.string().max(100).transform(mapZendeskStatus);

/** Event-subscription payloads (`zen:event-type:ticket.*`). Unknown fields are ignored. */
export const zendeskEventSchema = z.object({
  type: z
    .string()
    .regex(/^zen:event-type:ticket\.[a-z_]+$/, 'expected a zen:event-type:ticket.* type'),
  id: z.string().min(1).max(200),
  account_id: zid.optional(),
  time: z.string().optional(),
  subject: z.string().optional(),
  detail: z.object({
    id: zid,
    subject: z.string().max(10_000).optional().default(''),
    description: z.string().max(1_000_000).optional(),
    status: status.optional(),
    priority: z.string().nullish(),
    requester_id: optionalZid,
    tags: z.array(z.string()).nullish(),
    created_at: z.string().optional(),
    via: z.object({ channel: z.string().nullish() }).nullish(),
  }),
  event: z
    .object({
      comment: z
        .object({
          id: zid,
          body: z.string().max(1_000_000),
          is_public: z.boolean().optional().default(true),
          author: z
            .object({
              id: optionalZid,
              is_staff: z.boolean().optional(),
              name: z.string().nullish(),
            })
            .optional(),
        })
        .optional(),
      current: z.unknown().optional(),
      previous: z.unknown().optional(),
    })
    .optional()
    .default({}),
});
export type ZendeskEvent = z.infer<typeof zendeskEventSchema>;

/**
 * Trigger/automation webhook body: the JSON the README gives to paste into a Zendesk webhook
 * (placeholders render as text, so every field is a string).
 */
export const zendeskTriggerSchema = z.object({
  deskpilot: z.literal('zendesk-trigger/v1'),
  ticket: z.object({
    id: zid,
    subject: z.string().max(10_000).default(''),
    status: status,
    priority: z.string().max(20).optional(),
    tags: z.string().max(10_000).optional().default(''),
    via: z.string().max(100).optional(),
    updated_at: z.string().min(1).max(100),
    requester: z
      .object({ email: z.string().max(320).optional(), name: z.string().max(200).optional() })
      .default({}),
  }),
  /** The latest comment and who wrote it ({{current_user.email}}). */
  comment: z
    .object({
      body: z.string().max(1_000_000).default(''),
      author_email: z.string().max(320).optional(),
      /**
       * `{{ticket.latest_comment.is_public}}`: an internal note is never a reply. Quoted or not
       * (a JSON boolean). Anything else (an empty rendering, a typo in the trigger body) is
       * unknown and read as public, as before the field existed: refusing the delivery would make
       * Zendesk retry it and then deactivate the webhook.
       */
      is_public: z
        .union([z.boolean(), z.string().max(100)])
        .transform((v) => {
          const said = String(v).trim().toLowerCase();
          return said === 'true' || said === 'false' ? said : undefined;
        })
        .optional(),
    })
    .optional(),
});
export type ZendeskTrigger = z.infer<typeof zendeskTriggerSchema>;

/** Ready to paste into Zendesk (Admin Center → Webhooks, then a trigger using the webhook). */
export const zendeskTriggerTemplate = {
  deskpilot: 'zendesk-trigger/v1',
  ticket: {
    id: '{{ticket.id}}',
    subject: '{{ticket.title}}',
    status: '{{ticket.status}}',
    priority: '{{ticket.priority}}',
    tags: '{{ticket.tags}}',
    via: '{{ticket.via}}',
    updated_at: '{{ticket.updated_at_with_timestamp}}',
    requester: { email: '{{ticket.requester.email}}', name: '{{ticket.requester.name}}' },
  },
  comment: {
    body: '{{ticket.latest_comment}}',
    is_public: '{{ticket.latest_comment.is_public}}',
    author_email: '{{current_user.email}}',
  },
};
