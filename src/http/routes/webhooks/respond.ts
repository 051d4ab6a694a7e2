import { z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { IntakeResult } from '../../../ingest/types.js';

export const intakeResultSchema = z
  .object({
    status: z.enum(['accepted', 'duplicate']),
    ticketId: z.string().nullable(),
    messageId: z.string().nullable(),
  })
  .openapi('IntakeResult');

/** The two documented answers of every intake webhook; `duplicate` says what counts as one. */
export function intakeResponses(duplicate: string) {
  return {
    202: {
      description: 'Accepted',
      content: { 'application/json': { schema: intakeResultSchema } },
    },
    200: {
      description: duplicate,
      content: { 'application/json': { schema: intakeResultSchema } },
    },
  };
}

/** 202 for a new delivery (work is queued), 200 with the same ticket for a duplicate. */
export function intakeResponse(c: Context, result: IntakeResult) {
  const body = {
    status: result.outcome,
    ticketId: result.ticketId,
    messageId: result.messageId,
  };
  return c.json(body, result.outcome === 'accepted' ? 202 : 200);
}
