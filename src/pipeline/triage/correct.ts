import type { Actor } from '../../auth/actor.js';
import { canAccessTicket } from '../../auth/team-scope.js';
import { enqueueOutbox } from '../../db/queries/outbox.js';
import { getTicket, listMessages, recordTicketEvent } from '../../db/queries/tickets.js';
import {
  getTriage,
  listCategories,
  recordCorrection,
  recordFieldCorrection,
  upsertCorrectionExample,
} from '../../db/queries/triage.js';
import { withTransaction } from '../../db/tx.js';
import type { Deps } from '../../deps.js';
import { publishAfterCommit } from '../../live/events.js';
import { classifierInput } from './classifier-input.js';
import {
  CATEGORY_FIELD,
  FIELD_NAME,
  normalizePriority,
  PRIORITY_FIELD,
  QUEUE_FIELD,
} from './fields.js';

export type CorrectionResult =
  | {
      ok: true;
      previous: string;
      category: string;
      /** Other fields corrected, with their values before and after. */
      fields: Record<string, { previous: string | null; value: string }>;
    }
  | {
      ok: false;
      reason: 'ticket_not_found' | 'not_triaged' | 'unknown_category' | 'invalid_field';
      message?: string;
    };

/**
 * An agent's correction of the category and/or other triage fields (priority, queue, custom
 * fields): recorded beside the prediction (accuracy metrics compare the two), each turned into a
 * training label for its field's model (redacted, one per ticket and field), and a debounced
 * retrain is scheduled. Another team's ticket answers exactly like a missing one.
 */
export async function correctTriage(
  deps: Pick<Deps, 'db' | 'config' | 'live'>,
  input: {
    ticketId: string;
    actor: Actor;
    category?: string;
    /** Other fields by name, e.g. `{ priority: 'high', queue: 'Technical Support' }`. */
    fields?: Record<string, string>;
  },
): Promise<CorrectionResult> {
  if (!(await canAccessTicket(deps.db, input.actor, input.ticketId))) {
    return { ok: false, reason: 'ticket_not_found' };
  }
  const ticket = await getTicket(deps.db, input.ticketId);
  if (!ticket) return { ok: false, reason: 'ticket_not_found' };
  const triage = await getTriage(deps.db, ticket.id);
  if (!triage) return { ok: false, reason: 'not_triaged' };
  if (input.category !== undefined) {
    const categories = await listCategories(deps.db, { activeOnly: true });
    if (!categories.some((c) => c.name === input.category))
      return { ok: false, reason: 'unknown_category' };
  }
  const fields: Record<string, string> = {};
  for (const [field, raw] of Object.entries(input.fields ?? {})) {
    if (field === CATEGORY_FIELD || !FIELD_NAME.test(field)) {
      return { ok: false, reason: 'invalid_field', message: `${field}: not a correctable field` };
    }
    const value = field === PRIORITY_FIELD ? normalizePriority(raw) : raw.trim();
    if (!value) {
      return { ok: false, reason: 'invalid_field', message: `${field}: "${raw}" is not a value` };
    }
    fields[field] = value;
  }
  const messages = await listMessages(deps.db, ticket.id);
  // The text the triage classified, built the same way, so the label teaches what was predicted.
  const { text } = await classifierInput(ticket, messages, triage.messageId);
  const previousOf = (field: string): string | null =>
    triage.fields[field]?.value ??
    (field === PRIORITY_FIELD ? triage.priority : field === QUEUE_FIELD ? triage.queue : null);
  const changed = Object.fromEntries(
    Object.entries(fields).map(([field, value]) => [field, { previous: previousOf(field), value }]),
  );

  await withTransaction(deps.db, async (tx) => {
    if (input.category !== undefined) {
      await recordCorrection(tx, ticket.id, { category: input.category, by: input.actor.id });
      await upsertCorrectionExample(tx, { ticketId: ticket.id, text, label: input.category });
    }
    for (const [field, { previous, value }] of Object.entries(changed)) {
      await recordFieldCorrection(tx, ticket.id, field, {
        value,
        decidedBy: 'agent',
        confidence: null,
        modelVersion: null,
        override:
          previous !== null && previous !== value ? { from: previous, reason: 'agent' } : null,
        reasons: [`corrected by ${input.actor.id}`],
        explanation: [],
      });
      await upsertCorrectionExample(tx, { ticketId: ticket.id, text, label: value, field });
    }
    await recordTicketEvent(tx, {
      ticketId: ticket.id,
      type: 'triage_corrected',
      actorKind: 'agent',
      actorId: input.actor.id,
      data: {
        from: triage.category,
        to: input.category ?? triage.correctedCategory ?? triage.category,
        confidence: triage.confidence,
        fields: changed,
      },
    });
    await enqueueOutbox(
      tx,
      'retrain',
      { reason: 'correction' },
      {
        delayMs: deps.config.RETRAIN_DEBOUNCE_SECONDS * 1000,
      },
    );
    publishAfterCommit(deps.live, tx, {
      type: 'ticket.changed',
      ticketId: ticket.id,
      change: 'triage_corrected',
    });
  });
  return {
    ok: true,
    previous: triage.category,
    category: input.category ?? triage.correctedCategory ?? triage.category,
    fields: changed,
  };
}
