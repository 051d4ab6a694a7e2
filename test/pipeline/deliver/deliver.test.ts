import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { databaseRoundTrips } from '../../../src/db/client.js';
import { syncTicketDraftState } from '../../../src/db/queries/draft-state.js';
import {
  getDelivery,
  getDeliveryForDraft,
  getDraft,
  insertDraft,
} from '../../../src/db/queries/drafts.js';
import { getTicket, listTicketEvents } from '../../../src/db/queries/tickets.js';
import { autoSendPolicies } from '../../../src/db/schema/drafts.js';
import { messages } from '../../../src/db/schema/messages.js';
import { deliver, RetryableDeliveryError } from '../../../src/pipeline/deliver/deliver.js';
import { draftReply } from '../../../src/pipeline/draft/draft.js';
import { approveDraft } from '../../../src/pipeline/review/actions.js';
import { triageTicket } from '../../../src/pipeline/triage/triage.js';
import { createTestDeps, type TestDeps } from '../../support/deps.js';
import { agentActor } from '../../support/drafts.js';
import { importSampleKb } from '../../support/fixtures.js';
import { rawHeaders, TestSmtpServer } from '../../support/smtp-server.js';
import { seedEmailTicket } from '../../support/tickets.js';

let smtp: TestSmtpServer;
let deps: TestDeps;

beforeAll(async () => {
  smtp = await TestSmtpServer.start();
  deps = await createTestDeps({
    SMTP_URL: `${smtp.url()}?pool=false`,
    SLA_NOTIFY: 'leads@deskpilot.test',
    MAX_REPLIES_PER_RECIPIENT_PER_DAY: '3',
  });
  await importSampleKb(deps);
});
afterAll(async () => {
  await deps.cleanup();
  await smtp.close();
});
beforeEach(() => {
  smtp.received.length = 0;
});

/** Ticket → triage → draft → approve, by direct calls (no workers): returns the delivery id. */
async function approvedDelivery(over: Parameters<typeof seedEmailTicket>[1] = {}) {
  const { ticketId, messageId } = await seedEmailTicket(deps.db, over);
  await triageTicket(deps, { ticketId });
  const outcome = await draftReply(deps, { ticketId });
  if (outcome.status !== 'drafted') throw new Error(`not drafted: ${outcome.reason}`);
  const approved = await approveDraft(deps, {
    draftId: outcome.draft.id,
    actor: agentActor('agent-1'),
  });
  expect(approved.ok).toBe(true);
  const delivery = await getDeliveryForDraft(deps.db, outcome.draft.id);
  return { ticketId, messageId, draftId: outcome.draft.id, deliveryId: delivery!.id };
}

const customerMail = () =>
  smtp.received.filter((m) => m.envelope.rcptTo.some((r) => !r.includes('leads@')));

describe('deliver (email, exactly once)', () => {
  it('sends an email reply in 3 statements, threaded under the latest inbound mail', async () => {
    // The read (delivery, draft, ticket, the recipient's sends today, the latest inbound mail's
    // ids) is one statement; then the claim, and the record (the delivery, draft, message, event
    // and the ticket's status and draft state: one statement, no transaction). Each statement is a
    // round trip a busy worker waits on.
    const { deliveryId, messageId, ticketId, draftId } = await approvedDelivery({
      from: 'statements@example.net',
    });
    const before = databaseRoundTrips();
    expect(await deliver(deps, deliveryId, { finalAttempt: false })).toBe('sent');
    expect(databaseRoundTrips() - before).toBe(3);
    // The one write left everything as the former transaction did.
    expect((await getDraft(deps.db, draftId))?.status).toBe('sent');
    expect(await getTicket(deps.db, ticketId)).toMatchObject({
      status: 'pending',
      draftState: 'answered',
      replyDueAt: null,
    });
    expect((await listTicketEvents(deps.db, ticketId)).map((e) => e.type)).toContain('sent');
    const [mail] = customerMail();
    const inReplyTo = rawHeaders(mail!.raw).find((h) => h.name.toLowerCase() === 'in-reply-to');
    expect(inReplyTo?.value).toBe(`<${messageId}>`);
  });

  it('leaves the ticket as syncTicketDraftState derives it, also when a newer draft waits', async () => {
    // The record derives the ticket's draft state inside its one statement, from its own
    // RETURNING rows; deriving it again afterwards, from the tables, must change nothing.
    const ticketState = async (ticketId: string) => {
      const t = (await getTicket(deps.db, ticketId))!;
      return { status: t.status, draftState: t.draftState, replyDueAt: t.replyDueAt };
    };
    const derivedAgain = async (ticketId: string, draftId: string) => {
      const stored = await ticketState(ticketId);
      const repliedAt = (await getDraft(deps.db, draftId))?.decidedAt ?? null;
      await syncTicketDraftState(deps.db, ticketId, { repliedAt });
      expect(await ticketState(ticketId)).toEqual(stored);
      return stored;
    };

    const plain = await approvedDelivery({ from: 'derived-1@example.net' });
    expect(await deliver(deps, plain.deliveryId, { finalAttempt: false })).toBe('sent');
    expect(await derivedAgain(plain.ticketId, plain.draftId)).toEqual({
      status: 'pending',
      draftState: 'answered',
      replyDueAt: null,
    });

    // The customer wrote again after the approval and that message has its own draft: the sent
    // reply answers neither, so the newer draft's state and reply clock stay.
    const older = await approvedDelivery({ from: 'derived-2@example.net' });
    const [followUp] = await deps.db
      .insert(messages)
      .values({
        ticketId: older.ticketId,
        direction: 'inbound',
        authorKind: 'customer',
        bodyText: 'And can I change the delivery address?',
        strippedText: 'And can I change the delivery address?',
      })
      .returning();
    const due = new Date(Date.now() + 7_200_000);
    await insertDraft(deps.db, {
      ticketId: older.ticketId,
      messageId: followUp!.id,
      kind: 'extractive',
      bodyText: 'You can change the address until the parcel ships.',
      model: 'test',
      slaDueAt: due,
    });
    const waiting = await ticketState(older.ticketId);
    expect(await deliver(deps, older.deliveryId, { finalAttempt: false })).toBe('sent');
    expect((await getDraft(deps.db, older.draftId))?.status).toBe('sent');
    expect(await derivedAgain(older.ticketId, older.draftId)).toEqual({
      status: waiting.status,
      draftState: 'pending',
      replyDueAt: due,
    });
  });

  it('a worker that died between sending and recording never sends again: uncertain + alert', async () => {
    const { deliveryId, ticketId } = await approvedDelivery({ from: 'crash@example.net' });
    // First attempt: the email really goes out…
    expect(await deliver(deps, deliveryId, { finalAttempt: false })).toBe('sent');
    expect(customerMail()).toHaveLength(1);
    // …now simulate the crash window: the send happened, the record did not.
    await deps.db.execute(
      sql`update deliveries set state = 'sending', sent_at = null where id = ${deliveryId}`,
    );
    expect(await deliver(deps, deliveryId, { finalAttempt: false })).toBe('uncertain');
    expect(customerMail()).toHaveLength(1);
    const events = (await listTicketEvents(deps.db, ticketId)).map((e) => e.type);
    expect(events).toContain('delivery_failed');
    // The team was told (the alert email carries no customer text).
    const alert = smtp.received.find((m) => m.envelope.rcptTo.includes('leads@deskpilot.test'));
    expect(alert?.raw.toString()).toContain('may or may not have been sent');
    expect(alert?.raw.toString()).not.toContain('forgot my password');
  });

  it('a send the server accepted but the database could not record is recorded by the retry, not resent', async () => {
    const { deliveryId, draftId } = await approvedDelivery({ from: 'outage@example.net' });
    // The database goes away right after the SMTP server accepted the mail: every way in fails.
    let databaseDown = false;
    const ways = new Set<PropertyKey>(['transaction', 'execute']);
    const db = new Proxy(deps.db, {
      get(target, key, receiver) {
        if (ways.has(key) && databaseDown) {
          return () => Promise.reject(new Error('write CONNECTION_CLOSED 127.0.0.1:5432'));
        }
        return Reflect.get(target, key, receiver);
      },
    });
    const mailer = deps.mailer!;
    const notes: string[] = [];
    const job = {
      finalAttempt: false,
      rememberAccepted: async (messageId: string) => {
        notes.push(messageId);
      },
    };
    const outage = {
      ...deps,
      db,
      mailer: {
        ...mailer,
        send: async (mail: Parameters<typeof mailer.send>[0]) => {
          const result = await mailer.send(mail);
          databaseDown = true;
          return result;
        },
      },
    };
    await expect(deliver(outage, deliveryId, job)).rejects.toThrow('CONNECTION_CLOSED');
    expect(customerMail()).toHaveLength(1);
    expect((await getDelivery(deps.db, deliveryId))?.state).toBe('sending');
    const messageId = (await getDelivery(deps.db, deliveryId))?.emailMessageId;
    expect(notes).toEqual([messageId]);

    // The database is back; the job retries with the note it kept.
    const state = await deliver(deps, deliveryId, {
      finalAttempt: false,
      acceptedMessageId: notes[0],
    });
    expect(state).toBe('sent');
    expect(customerMail()).toHaveLength(1);
    expect((await getDraft(deps.db, draftId))?.status).toBe('sent');

    // A note for another Message-ID proves nothing: still uncertain, never resent.
    const other = await approvedDelivery({ from: 'outage-2@example.net' });
    expect(await deliver(deps, other.deliveryId, { finalAttempt: false })).toBe('sent');
    await deps.db.execute(
      sql`update deliveries set state = 'sending', sent_at = null where id = ${other.deliveryId}`,
    );
    expect(
      await deliver(deps, other.deliveryId, { finalAttempt: false, acceptedMessageId: '<x@y>' }),
    ).toBe('uncertain');
    expect(customerMail()).toHaveLength(2);
  });

  it('retries a transient SMTP failure and sends once; a permanent one fails with an alert', async () => {
    const first = await approvedDelivery({ from: 'transient@example.net' });
    smtp.rejectNext(1, 451);
    await expect(deliver(deps, first.deliveryId, { finalAttempt: false })).rejects.toBeInstanceOf(
      RetryableDeliveryError,
    );
    expect((await getDelivery(deps.db, first.deliveryId))?.state).toBe('pending');
    expect(await deliver(deps, first.deliveryId, { finalAttempt: false })).toBe('sent');
    expect(customerMail()).toHaveLength(1);
    expect((await getDelivery(deps.db, first.deliveryId))?.attempts).toBe(2);

    const second = await approvedDelivery({ from: 'permanent@example.net' });
    smtp.rejectNext(1, 550);
    expect(await deliver(deps, second.deliveryId, { finalAttempt: false })).toBe('failed');
    expect((await getDraft(deps.db, second.draftId))?.status).toBe('delivery_failed');
  });

  it('gives up after the last transient attempt (dead-letter) with an alert', async () => {
    const { deliveryId } = await approvedDelivery({ from: 'deadletter@example.net' });
    smtp.rejectNext(1, 421);
    expect(await deliver(deps, deliveryId, { finalAttempt: true })).toBe('failed');
    expect(smtp.received.some((m) => m.envelope.rcptTo.includes('leads@deskpilot.test'))).toBe(
      true,
    );
  });

  it('never sends to robots, and caps replies per recipient per day', async () => {
    // A robot requester is refused at approval (noReplyRoute); a delivery to one that exists
    // anyway (approved before that check) is still held here.
    const { ticketId: robotTicket } = await seedEmailTicket(deps.db, {
      from: 'no-reply@example.net',
    });
    await triageTicket(deps, { ticketId: robotTicket });
    const robotDraft = await draftReply(deps, { ticketId: robotTicket });
    if (robotDraft.status !== 'drafted') throw new Error('not drafted');
    const refused = await approveDraft(deps, {
      draftId: robotDraft.draft.id,
      actor: agentActor('agent-1'),
    });
    expect(refused).toMatchObject({ ok: false, reason: 'no_reply_route' });
    const robot = await approvedDelivery({ from: 'robot-later@example.net' });
    await deps.db.execute(
      sql`update deliveries set recipient = 'no-reply@example.net' where id = ${robot.deliveryId}`,
    );
    expect(await deliver(deps, robot.deliveryId, { finalAttempt: false })).toBe('blocked');
    const results: string[] = [];
    for (let i = 0; i < 4; i++) {
      const d = await approvedDelivery({ from: 'chatty@example.net' });
      results.push(await deliver(deps, d.deliveryId, { finalAttempt: false }));
    }
    expect(results).toEqual(['sent', 'sent', 'sent', 'blocked']);
  });
});

describe('auto-send policy', () => {
  it('is off by default and, once a category earns it, sends with Auto-Submitted', async () => {
    const manual = await approvedDelivery({ from: 'policy-off@example.net' });
    expect((await getDraft(deps.db, manual.draftId))?.autoSent).toBe(false);

    // The category's track record: enough human-reviewed drafts sent unchanged.
    await deps.db.insert(autoSendPolicies).values({
      category: 'account',
      enabled: true,
      minConfidence: 0,
      minUnchangedRate: 0.5,
      minSample: 1,
    });
    const { ticketId } = await seedEmailTicket(deps.db, { from: 'policy-on@example.net' });
    const triage = await triageTicket(deps, { ticketId });
    expect(triage?.category).toBe('account');
    const outcome = await draftReply(deps, { ticketId });
    if (outcome.status !== 'drafted') throw new Error('not drafted');
    const draft = await getDraft(deps.db, outcome.draft.id);
    expect(draft?.status).toBe('approved');
    expect(draft?.autoSent).toBe(true);
    const delivery = await getDeliveryForDraft(deps.db, draft!.id);
    expect(await deliver(deps, delivery!.id, { finalAttempt: false })).toBe('sent');
    const mail = customerMail().at(-1)!;
    expect(mail.raw.toString()).toMatch(/^Auto-Submitted: auto-replied/m);

    // Negative sentiment is never auto-sent, whatever the policy.
    const angry = await seedEmailTicket(deps.db, {
      from: 'angry@example.net',
      body: 'This is terrible and unacceptable, I am furious, I cannot log in and reset my password!',
    });
    await triageTicket(deps, { ticketId: angry.ticketId });
    const angryDraft = await draftReply(deps, { ticketId: angry.ticketId });
    if (angryDraft.status !== 'drafted') throw new Error('not drafted');
    expect((await getDraft(deps.db, angryDraft.draft.id))?.status).toBe('pending_approval');
    await deps.db.delete(autoSendPolicies);
  });
});
