import { createHash } from 'node:crypto';
import type { Message } from '../../db/schema/messages.js';
import type { Ticket } from '../../db/schema/tickets.js';
import { redactPIIOffLoop } from '../../privacy/redact.js';

/**
 * The classifier reads the start of a message: what a ticket is about is said there, and the bound
 * keeps redaction (linear, but a few milliseconds per thousand characters) short on a huge paste.
 */
export const MAX_CLASSIFIER_CHARS = 16_000;

export interface ClassifierInput {
  /** The customer message the text was built from (null for a ticket without one). */
  readonly messageId: string | null;
  /** Subject and message, PII-redacted: what the models predict on and learn from. */
  readonly text: string;
  /** The same, unredacted: for rules and signals that never leave the process. */
  readonly rawText: string;
}

/**
 * The one definition of "the text the classifier sees for this ticket", used both by triage
 * (prediction) and by corrections (the training label), so a model never learns from one text of
 * a ticket and is asked about another. The message is the one named (the triaged message when
 * correcting), else the latest customer message: a follow-up is what the ticket is about now.
 */
export async function classifierInput(
  ticket: Pick<Ticket, 'subject'>,
  messages: readonly Pick<Message, 'id' | 'authorKind' | 'strippedText' | 'bodyText'>[],
  messageId?: string | null,
): Promise<ClassifierInput> {
  const message =
    (messageId ? messages.find((m) => m.id === messageId) : undefined) ??
    [...messages].reverse().find((m) => m.authorKind === 'customer');
  const body = message ? message.strippedText || message.bodyText : '';
  const rawText = `${ticket.subject}\n${body.slice(0, MAX_CLASSIFIER_CHARS)}`.trim();
  // A long message is redacted off the event loop (the job shares it with the others).
  const { text } = await redactPIIOffLoop(rawText);
  return { messageId: message?.id ?? null, text, rawText };
}

/** A fingerprint of the classified text for the audit row (the text itself is never stored there). */
export function inputFingerprint(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}
