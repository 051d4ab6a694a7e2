import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getDeliveryForDraft, insertDraft } from '../../../src/db/queries/drafts.js';
import { getTicket, listMessages } from '../../../src/db/queries/tickets.js';
import { acceptDelivery } from '../../../src/ingest/intake.js';
import { approveDraft } from '../../../src/pipeline/review/actions.js';
import { processDeliver } from '../../../src/queue/processors/deliver.js';
import { createTestDeps, type TestDeps } from '../../support/deps.js';
import { agentActor } from '../../support/drafts.js';
import { TestSmtpServer } from '../../support/smtp-server.js';

/**
 * A customer who writes again while an approved reply waits out its undo window has asked
 * something that reply does not answer: once the reply goes out, the ticket still needs attention
 * (no "pending" status, "needs a human reply", the follow-up's reply clock), not "answered".
 */
let deps: TestDeps;
let smtp: TestSmtpServer;
const job = { attemptsMade: 0, opts: { attempts: 1 } } as never;

beforeAll(async () => {
  smtp = await TestSmtpServer.start();
  deps = await createTestDeps({ SMTP_URL: `${smtp.url()}?pool=false`, SEND_DELAY_SECONDS: '30' });
});
afterAll(async () => {
  await deps?.cleanup();
  await smtp?.close();
});

const customerMail = (body: string, inReplyTo?: string) => {
  const emailMessageId = `${randomUUID()}@customer.example.net`;
  return acceptDelivery(
    deps.db,
    {
      source: 'email',
      dedupeKey: `mid:${emailMessageId}`,
      eventType: 'email.raw',
      signature: { scheme: 'none' },
      ticket: {
        subject: 'Order 1234',
        requesterEmail: 'kim@customer.example.net',
        channel: 'email',
      },
      message: {
        authorKind: 'customer',
        authorEmail: 'kim@customer.example.net',
        bodyText: body,
        emailMessageId,
      },
      ...(inReplyTo ? { thread: { emailMessageIds: [inReplyTo] } } : {}),
    },
    { sla: deps.config },
  ).then((r) => ({ ...r, emailMessageId }));
};

/** A customer's question and Ana's approved reply to it, waiting out the undo window. */
async function approvedReplyTo(question: string, reply: string) {
  const first = await customerMail(question);
  const ticketId = first.ticketId!;
  const draft = await insertDraft(deps.db, {
    ticketId,
    messageId: first.messageId,
    kind: 'extractive',
    bodyText: reply,
    model: 'test',
    slaDueAt: new Date(Date.now() + 3_600_000),
  });
  expect((await approveDraft(deps, { draftId: draft.id, actor: agentActor('ana') })).ok).toBe(true);
  return { first, ticketId, draft };
}

describe('a follow-up during the undo window', () => {
  it('leaves the ticket needing attention after the earlier reply is sent', async () => {
    const { first, ticketId, draft } = await approvedReplyTo(
      'Where is my order 1234?',
      'Your order ships within two days.',
    );

    // Inside the 30 s window the customer writes again, in the same thread.
    const followUp = await customerMail('Also, can I change the address?', first.emailMessageId);
    expect(followUp.ticketId).toBe(ticketId);
    const waiting = (await getTicket(deps.db, ticketId))!;
    expect(waiting.replyDueAt).not.toBeNull();

    // The window ends and the earlier reply goes out.
    const delivery = (await getDeliveryForDraft(deps.db, draft.id))!;
    expect(await processDeliver(deps, { deliveryId: delivery.id }, job)).toMatchObject({
      state: 'sent',
    });
    expect(smtp.received.length).toBe(1);
    const messages = await listMessages(deps.db, ticketId);
    expect(messages.filter((m) => m.direction === 'outbound')).toHaveLength(1);

    const after = (await getTicket(deps.db, ticketId))!;
    expect(after.status).not.toBe('pending');
    expect(after.status).toBe(waiting.status);
    // Nothing answers the follow-up yet: "Needs a human reply", on the follow-up's clock.
    expect(after.draftState).toBe('none');
    expect(after.replyDueAt?.toISOString()).toBe(waiting.replyDueAt?.toISOString());
    // The earlier reply sits before the follow-up in the thread: it answered what came before.
    expect(messages.map((m) => m.direction)).toEqual(['inbound', 'outbound', 'inbound']);

    // The follow-up's own draft is not taken as answered by that reply: its clock runs.
    const due = new Date(Date.now() + 7_200_000);
    await insertDraft(deps.db, {
      ticketId,
      messageId: followUp.messageId,
      kind: 'extractive',
      bodyText: 'You can change the address until the parcel ships.',
      model: 'test',
      slaDueAt: due,
    });
    expect(await getTicket(deps.db, ticketId)).toMatchObject({
      draftState: 'pending',
      replyDueAt: due,
    });
  });

  it('a reply with no follow-up still leaves the ticket answered and pending', async () => {
    const { ticketId, draft } = await approvedReplyTo(
      'Do you ship to Norway?',
      'Yes, we ship to Norway.',
    );
    const delivery = (await getDeliveryForDraft(deps.db, draft.id))!;
    await processDeliver(deps, { deliveryId: delivery.id }, job);
    const after = (await getTicket(deps.db, ticketId))!;
    expect(after).toMatchObject({ status: 'pending', draftState: 'answered', replyDueAt: null });
  });
});
