import { eq, sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { insertMessage, listMessages, upsertTicket } from '../../../src/db/queries/tickets.js';
import { getTriage, listAiInteractions } from '../../../src/db/queries/triage.js';
import { rowsOf } from '../../../src/db/rows.js';
import { messages } from '../../../src/db/schema/messages.js';
import {
  classifierInput,
  inputFingerprint,
} from '../../../src/pipeline/triage/classifier-input.js';
import { correctTriage } from '../../../src/pipeline/triage/correct.js';
import { triageTicket } from '../../../src/pipeline/triage/triage.js';
import { agentActor } from '../../support/drafts.js';
import { fileTestDeps } from '../../support/fixtures.js';

const deps = await fileTestDeps();

/** A ticket whose first and latest customer messages are about different things. */
async function twoMessageTicket() {
  const { ticket } = await upsertTicket(deps.db, {
    source: 'api',
    channel: 'api',
    subject: 'Order question',
    requesterEmail: 'ana@example.com',
  });
  const at = Date.now();
  await insertMessage(deps.db, {
    ticketId: ticket.id,
    direction: 'inbound',
    authorKind: 'customer',
    bodyText: 'I was charged twice for my subscription, card ending 4242.',
    createdAt: new Date(at - 60_000),
  });
  const latest = await insertMessage(deps.db, {
    ticketId: ticket.id,
    direction: 'inbound',
    authorKind: 'customer',
    bodyText: 'Also my parcel never arrived, the tracking number shows nothing.',
    createdAt: new Date(at),
  });
  return { ticket, latest };
}

async function trainingText(ticketId: string): Promise<string> {
  const [row] = rowsOf<{ text: string }>(
    await deps.db.execute(sql`select text from training_examples where ticket_id = ${ticketId}`),
  );
  return row!.text;
}

async function classifiedFingerprint(ticketId: string): Promise<unknown> {
  const interactions = await listAiInteractions(deps.db, ticketId);
  const classify = interactions.find((i) => i.step === 'triage.classify')!;
  return classify.inputRefs.textSha256;
}

describe('the classifier input is one text per ticket for training and prediction', () => {
  it('a correction learns from exactly the text the triage classified (the latest message)', async () => {
    const { ticket, latest } = await twoMessageTicket();
    await triageTicket(deps, { ticketId: ticket.id });
    const triage = await getTriage(deps.db, ticket.id);
    expect(triage?.messageId).toBe(latest.id);

    const result = await correctTriage(deps, {
      ticketId: ticket.id,
      category: 'shipping',
      actor: agentActor('agent-1'),
    });
    expect(result.ok).toBe(true);
    const learned = await trainingText(ticket.id);
    expect(learned).toContain('parcel never arrived');
    expect(learned).not.toContain('charged twice');
    expect(inputFingerprint(learned)).toBe(await classifiedFingerprint(ticket.id));
  });

  it('when the triaged message is gone both sides fall back to the same (latest) message', async () => {
    const { ticket } = await twoMessageTicket();
    await insertMessage(deps.db, {
      ticketId: ticket.id,
      direction: 'inbound',
      authorKind: 'customer',
      bodyText: 'Forget it, please just close my account.',
      createdAt: new Date(Date.now() + 60_000),
    });
    await triageTicket(deps, { ticketId: ticket.id });
    // Retention or a helpdesk deletion removes the triaged message; the triage keeps no id.
    const triage = await getTriage(deps.db, ticket.id);
    await deps.db.delete(messages).where(eq(messages.id, triage!.messageId!));
    const rest = await listMessages(deps.db, ticket.id);
    await correctTriage(deps, {
      ticketId: ticket.id,
      category: 'billing',
      actor: agentActor('agent-1'),
    });
    const learned = await trainingText(ticket.id);
    expect(learned).toBe((await classifierInput(ticket, rest)).text);
    // What a re-triage would classify now: the latest remaining message, not the first.
    expect(learned).toContain('parcel never arrived');
  });
});
