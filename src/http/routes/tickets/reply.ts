import { createRoute, z } from '@hono/zod-openapi';
import { actorOf } from '../../../auth/actor.js';
import { citationsForChunks } from '../../../db/queries/ticket-page.js';
import type { Deps } from '../../../deps.js';
import { sendManualReply } from '../../../pipeline/reply/manual.js';
import { AppError } from '../../errors.js';
import type { Router } from '../../openapi.js';
import { draftSchema, draftView } from '../drafts/schemas.js';
import { params, security } from './schemas.js';

export const replyBody = z.object({
  text: z.string().trim().min(1).max(20_000),
  citations: z
    .array(z.object({ chunkId: z.uuid() }))
    .max(20)
    .optional()
    .openapi({ description: 'Knowledge-base passages the reply quotes (ids from /api/kb/search)' }),
});

export const route = createRoute({
  method: 'post',
  path: '/api/tickets/{id}/replies',
  summary:
    'Send a reply written by hand (agent; team-scoped), through the same exactly-once delivery as an approved draft',
  description:
    'The `Idempotency-Key` header is required: the same key again answers 200 with the first reply and sends nothing more; the same key with a different text is a 409.',
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
    body: { content: { 'application/json': { schema: replyBody } }, required: true },
  },
  responses: {
    201: {
      description: 'Reply accepted; delivery scheduled',
      content: {
        'application/json': {
          schema: z.object({ draft: draftSchema, deliveryState: z.string().nullable() }),
        },
      },
    },
    200: {
      description: 'Repeat of an earlier request with this Idempotency-Key; nothing new was sent',
      content: {
        'application/json': {
          schema: z.object({ draft: draftSchema, deliveryState: z.string().nullable() }),
        },
      },
    },
  },
});

export function registerSendReply(app: Router, deps: Pick<Deps, 'db' | 'config' | 'live'>) {
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
    });
    if (!result.ok) {
      switch (result.reason) {
        case 'not_found':
          throw new AppError('not_found', `No ticket ${id}`);
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
      draft: draftView(result.draft),
      deliveryState: result.delivery?.state ?? null,
    };
    return result.replayed ? c.json(payload, 200) : c.json(payload, 201);
  });
}
