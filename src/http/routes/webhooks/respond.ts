import type { Context } from 'hono';
import type { IntakeResult } from '../../../ingest/types.js';

/** 202 for a new delivery (work is queued), 200 with the same ticket for a duplicate. */
export function intakeResponse(c: Context, result: IntakeResult) {
  const body = {
    status: result.outcome,
    ticketId: result.ticketId,
    messageId: result.messageId,
  };
  return c.json(body, result.outcome === 'accepted' ? 202 : 200);
}
