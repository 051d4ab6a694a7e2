import { createRoute, z } from '@hono/zod-openapi';
import { actorOf } from '../../../auth/actor.js';
import { citationsForChunks } from '../../../db/queries/ticket-page.js';
import type { Deps } from '../../../deps.js';
import { noReplyRouteWording } from '../../../pipeline/deliver/schedule.js';
import { deliveryWording } from '../../../pipeline/deliver/wording.js';
import { collisionWording, sendManualReply } from '../../../pipeline/reply/manual.js';
import { AppError } from '../../errors.js';
import { jsonBody, type Router } from '../../openapi.js';
import { draftSchema, draftViewOf } from '../drafts/schemas.js';
import { params, security } from './schemas.js';

export const replyBody = z.object({
  text: z.string().trim().min(1).max(20_000),
  citations: z
    .array(z.object({ chunkId: z.uuid() }))
    .max(20)
    .optional()
    .openapi({ description: 'Knowledge-base passages the reply quotes (ids from /api/kb/search)' }),
  seenAt: z.iso.datetime({ offset: true }).optional().openapi({
    description:
      "Agent collision: when you read the ticket (e.g. the `Date` header of GET /api/tickets/{id}). If another agent's reply (written by hand, a Deskpilot draft they approved, or a public comment they made in the helpdesk) was sent, queued or arrived after it, the reply is refused with 409 naming them. Optional for backward compatibility: absent, no collision check is made.",
  }),
  force: z.boolean().optional().openapi({
    description:
      "Send anyway, after reading a colleague's reply that a 409 named (with `seenAt`). The ticket's events record which reply was overridden.",
  }),
});

const replyResponse = z.object({
  draft: draftSchema,
  deliveryState: z.string().nullable(),
  sendAfter: z
    .string()
    .nullable()
    .openapi({ description: 'When delivery starts (the end of the undo window); null: at once' }),
});

export const route = createRoute({
  method: 'post',
  path: '/api/tickets/{id}/replies',
  summary:
    'Send a reply written by hand (agent; team-scoped), through the same exactly-once delivery as an approved draft',
  description:
    'The `Idempotency-Key` header is required: the same key again answers 200 with the first reply and sends nothing more; the same key with a different text is a 409. Like an approval, the reply waits out the undo window (SEND_DELAY_SECONDS): POST /api/drafts/{draft.id}/undo before `sendAfter` takes it back. A Deskpilot draft of the ticket still pending, or approved and inside its own undo window, is retired by the reply; one already being sent makes this a 409 (the customer would get both). Agent collision: with `seenAt`, a reply another agent sent or queued since then (or a public comment they made in the helpdesk since) makes this a 409 whose message names them and when ("Ana Lima replied 40 s ago — …"); read it, then repeat it with `force: true` (the same Idempotency-Key may be reused: nothing was stored) to send anyway. Without `seenAt` no collision check is made.',
  security,
  request: {
    params,
    headers: z.object({
      'idempotency-key': z
        .string()
        .trim()
        .min(8)
        .max(200)
        .regex(/^[\x21-\x7e]+$/, 'printable ASCII without spaces')
        .openapi({ description: 'A unique value per reply, e.g. a UUID' }),
    }),
    body: jsonBody(replyBody),
  },
  responses: {
    201: {
      description: 'Reply accepted; delivery scheduled',
      content: {
        'application/json': {
          schema: replyResponse,
        },
      },
    },
    200: {
      description: 'Repeat of an earlier request with this Idempotency-Key; nothing new was sent',
      content: {
        'application/json': {
          schema: replyResponse,
        },
      },
    },
  },
});

export function registerSendReply(app: Router, deps: Pick<Deps, 'db' | 'config' | 'live' | 'log'>) {
  app.openapi(route, async (c) => {
    const { id } = c.req.valid('param');
    const body = c.req.valid('json');
    const result = await sendManualReply(deps, {
      ticketId: id,
      actor: actorOf(c.get('principal')!),
      text: body.text,
      idempotencyKey: c.req.valid('header')['idempotency-key'],
      citations: await citationsForChunks(
        deps.db,
        (body.citations ?? []).map((x) => x.chunkId),
      ),
      ...(body.seenAt ? { seenAt: new Date(body.seenAt) } : {}),
      force: body.force ?? false,
    });
    if (!result.ok) {
      switch (result.reason) {
        case 'not_found':
          throw new AppError('not_found', `No ticket ${id}`);
        case 'collision':
          throw new AppError(
            'conflict',
            `Not sent: ${collisionWording(result.reply)} (repeat with "force": true to send anyway).`,
          );
        case 'draft_in_flight':
          throw new AppError(
            'conflict',
            `Not sent: the approved draft of this ticket is no longer waiting — ${deliveryWording(
              result.delivery ?? { state: 'sending', lastError: null },
            )}. Read the conversation before replying again.`,
          );
        case 'no_reply_route':
          throw new AppError('customer_unreachable', noReplyRouteWording(result.route));
        case 'automated':
          throw new AppError(
            'conflict',
            'This ticket is automated mail (a bounce or auto-reply): nothing is ever sent to it',
          );
        default:
          throw new AppError(
            'conflict',
            'Idempotency-Key was already used for a different reply on this ticket',
          );
      }
    }
    const payload = {
      draft: await draftViewOf(deps.db, result.draft),
      deliveryState: result.delivery?.state ?? null,
      sendAfter:
        result.delivery?.state === 'pending'
          ? (result.delivery.sendAfter?.toISOString() ?? null)
          : null,
    };
    return result.replayed ? c.json(payload, 200) : c.json(payload, 201);
  });
}
