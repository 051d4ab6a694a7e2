import { UnrecoverableError } from 'bullmq';
import { eq } from 'drizzle-orm';
import { getTicket, listMessages, recordTicketEvent } from '../../db/queries/tickets.js';
import { tickets } from '../../db/schema/tickets.js';
import { withTransaction } from '../../db/tx.js';
import { detectLanguage } from '../../pipeline/language.js';
import type { Processor } from './types.js';

/**
 * Triage step. For now it detects the ticket's language and records the triage event; the
 * classifier, routing and write-back build on this processor.
 */
export const processTriage: Processor<'triage'> = async (deps, payload) => {
  const ticket = await getTicket(deps.db, payload.ticketId);
  if (!ticket) throw new UnrecoverableError(`ticket ${payload.ticketId} does not exist`);
  const messages = await listMessages(deps.db, ticket.id);
  const latest = [...messages].reverse().find((m) => m.authorKind === 'customer');
  const text = [ticket.subject, latest?.strippedText || latest?.bodyText || ''].join('\n');
  const language = ticket.language ?? detectLanguage(text);
  await withTransaction(deps.db, async (tx) => {
    await tx.update(tickets).set({ language }).where(eq(tickets.id, ticket.id));
    await recordTicketEvent(tx, {
      ticketId: ticket.id,
      type: 'triaged',
      actorKind: 'ai',
      data: { messageId: payload.messageId ?? latest?.id ?? null, language },
    });
  });
  return { language };
};
