import { enqueueOutbox } from '../../db/queries/outbox.js';
import { getTicket, listMessages, recordTicketEvent } from '../../db/queries/tickets.js';
import {
  getTriage,
  listCategories,
  recordCorrection,
  upsertCorrectionExample,
} from '../../db/queries/triage.js';
import { withTransaction } from '../../db/tx.js';
import type { Deps } from '../../deps.js';
import { classifierInput } from './classifier-input.js';

export type CorrectionResult =
  | { ok: true; previous: string; category: string }
  | { ok: false; reason: 'ticket_not_found' | 'not_triaged' | 'unknown_category' };

/**
 * An agent's correction: recorded beside the prediction (accuracy metrics compare the two), turned
 * into a training label (redacted, one per ticket), and a debounced retrain is scheduled.
 */
export async function correctTriage(
  deps: Pick<Deps, 'db' | 'config'>,
  input: { ticketId: string; category: string; actorId: string },
): Promise<CorrectionResult> {
  const ticket = await getTicket(deps.db, input.ticketId);
  if (!ticket) return { ok: false, reason: 'ticket_not_found' };
  const triage = await getTriage(deps.db, ticket.id);
  if (!triage) return { ok: false, reason: 'not_triaged' };
  const categories = await listCategories(deps.db, { activeOnly: true });
  if (!categories.some((c) => c.name === input.category))
    return { ok: false, reason: 'unknown_category' };
  const messages = await listMessages(deps.db, ticket.id);
  // The text the triage classified, built the same way, so the label teaches what was predicted.
  const { text } = classifierInput(ticket, messages, triage.messageId);

  await withTransaction(deps.db, async (tx) => {
    await recordCorrection(tx, ticket.id, { category: input.category, by: input.actorId });
    await upsertCorrectionExample(tx, { ticketId: ticket.id, text, label: input.category });
    await recordTicketEvent(tx, {
      ticketId: ticket.id,
      type: 'triage_corrected',
      actorKind: 'agent',
      actorId: input.actorId,
      data: { from: triage.category, to: input.category, confidence: triage.confidence },
    });
    await enqueueOutbox(
      tx,
      'retrain',
      { reason: 'correction' },
      {
        delayMs: deps.config.RETRAIN_DEBOUNCE_SECONDS * 1000,
      },
    );
  });
  return { ok: true, previous: triage.category, category: input.category };
}
