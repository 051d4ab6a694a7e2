import { randomUUID } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Db, databaseRoundTrips } from '../../src/db/client.js';
import { findInboxEvent } from '../../src/db/queries/inbox-events.js';
import { getTicket, listMessages, listTicketEvents } from '../../src/db/queries/tickets.js';
import { rowsOf } from '../../src/db/rows.js';
import { tickets } from '../../src/db/schema/tickets.js';
import { withTransaction } from '../../src/db/tx.js';
import { normalizeGenericEvent } from '../../src/ingest/generic/normalize.js';
import { genericTicketEventSchema } from '../../src/ingest/generic/schema.js';
import { acceptDelivery } from '../../src/ingest/intake.js';
import type { InboundDelivery } from '../../src/ingest/types.js';
import { normalizeZendeskEvent } from '../../src/ingest/zendesk/normalize.js';
import { zendeskEventSchema } from '../../src/ingest/zendesk/payload.js';
import { draftDueAt } from '../../src/pipeline/review/sla.js';
import { createTestDatabase, type TestDatabase, usingPostgres } from '../support/db.js';
import { testConfig } from '../support/deps.js';
import { countRows } from '../support/rows.js';
import { zendeskStatusChanged, zendeskTicketCreated } from '../support/zendesk.js';

/*
 * Deliveries that announce a new helpdesk ticket are written by one statement; whenever it writes
 * nothing (duplicate, ticket already there, lost race) the general transaction decides. These
 * tests hold both paths to the same answers and the same rows.
 */

let testDb: TestDatabase;
let db: Db;

beforeAll(async () => {
  testDb = await createTestDatabase();
  db = testDb.db;
});
afterAll(() => testDb.destroy());

const signature = { scheme: 'zendesk-hmac' as const, keyIndex: 0, timestamp: 'ts' };
let nextId = 70_000;
const freshTicketId = () => String(nextId++);

function created(ticketId: string, over: Parameters<typeof zendeskTicketCreated>[1] = {}) {
  return normalizeZendeskEvent(
    zendeskEventSchema.parse(zendeskTicketCreated(ticketId, over)),
    signature,
  );
}

async function outboxFor(ticketId: string) {
  return rowsOf<{ job_name: string; payload: Record<string, unknown> }>(
    await db.execute(
      sql`select job_name, payload from outbox where payload->>'ticketId' = ${ticketId} order by id`,
    ),
  );
}

/** Everything intake wrote for a ticket, without ids and timestamps that differ by nature. */
async function snapshot(ticketId: string, dedupeKey: string, source = 'zendesk') {
  const ticket = await getTicket(db, ticketId);
  const messages = await listMessages(db, ticketId);
  const events = await listTicketEvents(db, ticketId);
  const inboxEvent = await findInboxEvent(db, source, dedupeKey);
  const messageIds = new Map(messages.map((m, i) => [m.id, `message${i}`]));
  const { id: _t, replyToken: _r, updatedAt: _u, externalId: _e, ...ticketRest } = ticket!;
  return {
    ticket: ticketRest,
    messages: messages.map(({ id: _i, ticketId: _ti, ...m }) => m),
    events: events.map((e) => ({
      type: e.type,
      actorKind: e.actorKind,
      createdAt: e.createdAt,
      data: {
        ...e.data,
        ...(e.data.messageId ? { messageId: messageIds.get(e.data.messageId as string) } : {}),
      },
    })),
    inboxEvent: {
      ticket: inboxEvent?.ticketId === ticketId,
      message: inboxEvent?.messageId ? messageIds.get(inboxEvent.messageId) : null,
      eventType: inboxEvent?.eventType,
      signature: inboxEvent?.signature,
    },
    outbox: (await outboxFor(ticketId)).map((o) => ({
      job: o.job_name,
      message: messageIds.get(o.payload.messageId as string),
    })),
  };
}

describe('intake of a new helpdesk ticket in one statement', () => {
  it('writes exactly what the general transaction writes', async () => {
    const fast = created(freshTicketId(), { eventId: 'same-shape-a' });
    const general = {
      ...created(freshTicketId(), { eventId: 'same-shape-b' }),
      createsTicket: false,
    };
    const a = await acceptDelivery(db, fast);
    const b = await acceptDelivery(db, general);
    expect(a).toMatchObject({ outcome: 'accepted', ticketCreated: true });
    expect(b).toMatchObject({ outcome: 'accepted', ticketCreated: true });
    const fastRows = await snapshot(a.ticketId!, fast.dedupeKey);
    const generalRows = await snapshot(b.ticketId!, general.dedupeKey);
    expect(fastRows).toEqual(generalRows);
    expect(fastRows.events.map((e) => e.type)).toEqual(['created', 'message_received']);
    expect(fastRows.outbox).toEqual([{ job: 'triage', message: 'message0' }]);
    expect(fastRows.inboxEvent).toMatchObject({ ticket: true, message: 'message0' });
    // The helpdesk's own creation time is kept on the ticket, the message and both events.
    expect(fastRows.ticket.createdAt.toISOString()).toBe('2026-11-20T10:00:00.000Z');
    expect(
      fastRows.events.every((e) => e.createdAt.getTime() === Date.parse('2026-11-20T10:00:00Z')),
    ).toBe(true);
  });

  it('stores awkward text exactly as the general path does', async () => {
    // A lone surrogate becomes U+FFFD on the wire for a text parameter; jsonb would refuse its
    // JSON escape. Literal backslashes and astral characters pass through unchanged.
    for (const description of ['half \uD83D pair', 'tail \uDE00', 'a\\ud800b', 'smile 😀 ok']) {
      const stored = [];
      for (const createsTicket of [true, false]) {
        const result = await acceptDelivery(db, {
          ...created(freshTicketId(), { description }),
          createsTicket,
        });
        stored.push((await listMessages(db, result.ticketId!))[0]?.bodyText);
      }
      expect(stored[0]).toBe(stored[1]);
      expect(stored[0]).toBe(Buffer.from(description, 'utf8').toString('utf8'));
    }
  });

  it('answers a redelivery with the same ticket and message and writes nothing', async () => {
    const delivery = created(freshTicketId());
    const first = await acceptDelivery(db, delivery);
    const before = await countRows(db);
    const again = await acceptDelivery(db, delivery);
    expect(again).toEqual({
      outcome: 'duplicate',
      ticketId: first.ticketId,
      messageId: first.messageId,
      ticketCreated: false,
    });
    expect(await countRows(db)).toEqual(before);
  });

  it('a ticket without a description: no message, no triage', async () => {
    const delivery = created(freshTicketId(), { description: '' });
    const result = await acceptDelivery(db, delivery);
    expect(result).toMatchObject({ outcome: 'accepted', messageId: null, ticketCreated: true });
    expect(await listMessages(db, result.ticketId!)).toEqual([]);
    expect((await listTicketEvents(db, result.ticketId!)).map((e) => e.type)).toEqual(['created']);
    expect(await outboxFor(result.ticketId!)).toEqual([]);
    expect((await findInboxEvent(db, 'zendesk', delivery.dedupeKey))?.ticketId).toBe(
      result.ticketId,
    );
  });

  it("falls back when the ticket already exists, with the general path's answer", async () => {
    // A status change arrived before ticket.created (Zendesk does not order its deliveries), so
    // the ticket exists without messages; both paths must then store the description once.
    const outcomes = [];
    for (const createsTicket of [true, false]) {
      const id = freshTicketId();
      const status = normalizeZendeskEvent(
        zendeskEventSchema.parse(zendeskStatusChanged(id, 'NEW', 'OPEN')),
        signature,
      );
      const first = await acceptDelivery(db, status);
      const before = await countRows(db);
      const result = await acceptDelivery(db, { ...created(id), createsTicket });
      const after = await countRows(db);
      expect(result).toMatchObject({ outcome: 'accepted', ticketId: first.ticketId });
      outcomes.push({
        ticketCreated: result.ticketCreated,
        hasMessage: result.messageId !== null,
        written: {
          tickets: after.tickets - before.tickets,
          messages: after.messages - before.messages,
          inboxEvents: after.inboxEvents - before.inboxEvents,
          outbox: after.outbox - before.outbox,
          ticketEvents: after.ticketEvents - before.ticketEvents,
        },
      });
    }
    expect(outcomes[0]).toEqual(outcomes[1]);
    expect(outcomes[0]).toEqual({
      ticketCreated: false,
      hasMessage: true,
      written: { tickets: 0, messages: 1, inboxEvents: 1, outbox: 1, ticketEvents: 1 },
    });
  });

  it('a redelivery after the ticket was erased stays a duplicate and recreates nothing', async () => {
    const delivery = created(freshTicketId());
    const first = await acceptDelivery(db, delivery);
    await db.delete(tickets).where(eq(tickets.id, first.ticketId!));
    const before = await countRows(db);
    const again = await acceptDelivery(db, delivery);
    expect(again).toMatchObject({ outcome: 'duplicate', ticketId: null, ticketCreated: false });
    expect(await countRows(db)).toEqual(before);
  });

  it('inside a caller transaction it takes the general path and rolls back with it', async () => {
    const delivery = created(freshTicketId());
    const before = await countRows(db);
    await expect(
      withTransaction(db, async (tx) => {
        const result = await acceptDelivery(tx, delivery);
        expect(result).toMatchObject({ outcome: 'accepted', ticketCreated: true });
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    expect(await countRows(db)).toEqual(before);
    expect(await acceptDelivery(db, delivery)).toMatchObject({ outcome: 'accepted' });
  });

  it('an automated or staff-written first message is stored but not triaged', async () => {
    const delivery: InboundDelivery = {
      ...created(freshTicketId()),
      message: { authorKind: 'customer', bodyText: 'Out of office', automated: true },
    };
    const result = await acceptDelivery(db, delivery);
    expect(result.ticketCreated).toBe(true);
    expect(await outboxFor(result.ticketId!)).toEqual([]);
    const staff: InboundDelivery = {
      ...created(freshTicketId()),
      message: { authorKind: 'agent', bodyText: 'Opened on behalf of the customer' },
    };
    const byAgent = await acceptDelivery(db, staff);
    expect((await listMessages(db, byAgent.ticketId!))[0]).toMatchObject({
      direction: 'outbound',
      authorKind: 'agent',
    });
    expect(await outboxFor(byAgent.ticketId!)).toEqual([]);
  });

  it("starts a new ticket's first-reply clock at once, on both paths, by the draft's rule", async () => {
    // An undrafted ticket (drafting paused under load, triage failing) must still go overdue.
    const calendar = testConfig({ SLA_MINUTES: '{"urgent":60,"normal":480}' });
    const business = testConfig({
      TIME_ZONE: 'Europe/Berlin',
      BUSINESS_HOURS: 'mon-fri 09:00-17:00',
      SLA_MINUTES: '{"urgent":60,"normal":480}',
      SLA_BUSINESS_HOURS: 'normal',
    });
    for (const [sla, due] of [
      // Created Friday 2026-11-20 10:00Z: 8 h of calendar time; 8 business hours in Berlin
      // (11:00–17:00 Friday is 6 h, then 2 h from Monday 09:00) end Monday 11:00 local.
      [calendar, '2026-11-20T18:00:00.000Z'],
      [business, '2026-11-23T10:00:00.000Z'],
    ] as const) {
      const dueAt = [];
      for (const createsTicket of [true, false]) {
        const delivery = { ...created(freshTicketId()), createsTicket };
        const result = await acceptDelivery(db, delivery, { sla });
        const ticket = await getTicket(db, result.ticketId!);
        const [question] = await listMessages(db, result.ticketId!);
        // The same instant the ticket's draft is given (draftDueAt: the draft step's rule).
        expect(ticket!.replyDueAt).toEqual(
          await draftDueAt(db, sla, {
            ticketId: ticket!.id,
            ticketCreatedAt: ticket!.createdAt,
            message: question!,
            policy: null,
            priority: null,
          }),
        );
        dueAt.push(ticket!.replyDueAt?.toISOString());
      }
      expect(dueAt).toEqual([due, due]);
    }
    // A ticket an agent opened has no reply owed yet.
    const byAgent = await acceptDelivery(
      db,
      {
        ...created(freshTicketId()),
        message: { authorKind: 'agent', bodyText: 'Opened on behalf of the customer' },
      },
      { sla: calendar },
    );
    expect((await getTicket(db, byAgent.ticketId!))!.replyDueAt).toBeNull();
  });

  it('50 concurrent copies of one delivery: one ticket, 49 duplicates naming it', async () => {
    const delivery = created(freshTicketId());
    const before = await countRows(db);
    const results = await Promise.all(
      Array.from({ length: 50 }, () => acceptDelivery(db, structuredClone(delivery))),
    );
    const accepted = results.filter((r) => r.outcome === 'accepted');
    expect(accepted).toHaveLength(1);
    expect(new Set(results.map((r) => r.ticketId))).toEqual(new Set([accepted[0]!.ticketId]));
    expect(new Set(results.map((r) => r.messageId))).toEqual(new Set([accepted[0]!.messageId]));
    const after = await countRows(db);
    expect(after.tickets - before.tickets).toBe(1);
    expect(after.messages - before.messages).toBe(1);
    expect(after.inboxEvents - before.inboxEvents).toBe(1);
    expect(after.outbox - before.outbox).toBe(1);
    expect(after.ticketEvents - before.ticketEvents).toBe(2);
  });

  it('50 concurrent distinct events creating one ticket: one ticket, one message, one triage', async () => {
    const id = freshTicketId();
    const deliveries = Array.from({ length: 50 }, (_, i) =>
      created(id, { eventId: `race-${id}-${i}-${randomUUID()}` }),
    );
    const before = await countRows(db);
    const results = await Promise.all(deliveries.map((d) => acceptDelivery(db, d)));
    // Each is a different delivery, so each is accepted; exactly one of them created the ticket.
    expect(results.every((r) => r.outcome === 'accepted')).toBe(true);
    expect(results.filter((r) => r.ticketCreated)).toHaveLength(1);
    expect(new Set(results.map((r) => r.ticketId)).size).toBe(1);
    expect(new Set(results.map((r) => r.messageId)).size).toBe(1);
    const after = await countRows(db);
    expect(after.tickets - before.tickets).toBe(1);
    expect(after.messages - before.messages).toBe(1);
    expect(after.inboxEvents - before.inboxEvents).toBe(50);
    expect(after.outbox - before.outbox).toBe(1);
    expect(after.ticketEvents - before.ticketEvents).toBe(2);
    for (const d of deliveries) {
      expect((await findInboxEvent(db, 'zendesk', d.dedupeKey))?.ticketId).toBe(
        results[0]!.ticketId,
      );
    }
  });

  it.runIf(usingPostgres())('the lost race is real on Postgres and costs no rows', async () => {
    // Drive the race deliberately: a transaction holds the new ticket uncommitted while the
    // one-statement path claims its inbox row, then commits; the statement must roll back whole.
    const id = freshTicketId();
    const blocker = postgres(testDb.url!, { max: 1, onnotice: () => {} });
    try {
      const before = await countRows(db);
      const conn = await blocker.reserve();
      await conn`begin`;
      await conn`insert into tickets (source, external_id, channel) values ('zendesk', ${id}, 'web')`;
      const pending = acceptDelivery(db, created(id));
      await new Promise((r) => setTimeout(r, 300));
      await conn`commit`;
      conn.release();
      const result = await pending;
      expect(result).toMatchObject({ outcome: 'accepted', ticketCreated: false });
      const after = await countRows(db);
      expect(after.tickets - before.tickets).toBe(1);
      expect(after.inboxEvents - before.inboxEvents).toBe(1);
      // The general path stored the description as the ticket's first message and triaged it.
      expect(after.messages - before.messages).toBe(1);
      expect(after.outbox - before.outbox).toBe(1);
    } finally {
      await blocker.end();
    }
  });
});

/** A raw email as intake sees it: no helpdesk id; thread hints only when given. */
function mail(over: { inReplyTo?: string; replyToken?: string; from?: string } = {}) {
  const messageId = `${randomUUID()}@customer.example`;
  const from = over.from ?? 'robin@customer.example';
  return {
    source: 'email',
    dedupeKey: `mid:raw:${from}:${messageId}`,
    eventType: 'email.raw',
    signature: { scheme: 'basic-auth' as const },
    ticket: { subject: 'Where is my parcel?', requesterEmail: from, channel: 'email' as const },
    thread: {
      replyToken: over.replyToken ?? null,
      emailMessageIds: over.inReplyTo ? [over.inReplyTo] : [],
    },
    message: {
      authorKind: 'customer' as const,
      authorEmail: from,
      bodyText: 'Tracking has not changed for a week.',
      emailMessageId: messageId,
      emailInReplyTo: over.inReplyTo ?? null,
      emailReferences: over.inReplyTo ? [over.inReplyTo] : [],
    },
  } satisfies InboundDelivery;
}

describe('intake of a mail that names no thread in one statement', () => {
  it('writes exactly what the general transaction writes', async () => {
    const fast = mail();
    const general = mail();
    const a = await acceptDelivery(db, fast);
    // Inside a caller's transaction intake always takes the general path.
    const b = await withTransaction(db, (tx) => acceptDelivery(tx, general));
    expect(a).toMatchObject({ outcome: 'accepted', ticketCreated: true });
    expect(b).toMatchObject({ outcome: 'accepted', ticketCreated: true });
    const strip = (rows: Awaited<ReturnType<typeof snapshot>>) => ({
      ...rows,
      ticket: { ...rows.ticket, createdAt: null },
      messages: rows.messages.map((m) => ({ ...m, emailMessageId: null, createdAt: null })),
      events: rows.events.map((e) => ({ ...e, createdAt: null })),
    });
    const fastRows = await snapshot(a.ticketId!, fast.dedupeKey, 'email');
    const generalRows = await snapshot(b.ticketId!, general.dedupeKey, 'email');
    expect(strip(fastRows)).toEqual(strip(generalRows));
    expect(fastRows.events.map((e) => e.type)).toEqual(['created', 'message_received']);
    expect(fastRows.outbox).toEqual([{ job: 'triage', message: 'message0' }]);
    expect(fastRows.inboxEvent).toMatchObject({ ticket: true, message: 'message0' });
    expect((await getTicket(db, a.ticketId!))?.replyToken).toBeTruthy();
  });

  it.runIf(usingPostgres())('is one statement; a mail that names a thread is not', async () => {
    let before = databaseRoundTrips();
    const first = await acceptDelivery(db, mail());
    expect(databaseRoundTrips() - before).toBe(1);
    // A reply to that ticket's message threads onto it through the general path.
    const [message] = await listMessages(db, first.ticketId!);
    before = databaseRoundTrips();
    const reply = await acceptDelivery(db, mail({ inReplyTo: message!.emailMessageId! }));
    expect(databaseRoundTrips() - before).toBeGreaterThan(1);
    expect(reply).toMatchObject({ ticketId: first.ticketId, ticketCreated: false });
    const token = (await getTicket(db, first.ticketId!))!.replyToken!;
    const byToken = await acceptDelivery(db, mail({ replyToken: token }));
    expect(byToken).toMatchObject({ ticketId: first.ticketId, ticketCreated: false });
  });

  it('a redelivery, even concurrent, is one ticket and duplicates naming it', async () => {
    const delivery = mail();
    const before = await countRows(db);
    const results = await Promise.all(
      Array.from({ length: 20 }, () => acceptDelivery(db, structuredClone(delivery))),
    );
    const accepted = results.filter((r) => r.outcome === 'accepted');
    expect(accepted).toHaveLength(1);
    expect(new Set(results.map((r) => r.ticketId))).toEqual(new Set([accepted[0]!.ticketId]));
    const after = await countRows(db);
    expect(after.tickets - before.tickets).toBe(1);
    expect(after.messages - before.messages).toBe(1);
    expect(after.outbox - before.outbox).toBe(1);
    expect(await acceptDelivery(db, delivery)).toMatchObject({
      outcome: 'duplicate',
      ticketId: accepted[0]!.ticketId,
      messageId: accepted[0]!.messageId,
    });
  });
});

describe("an integration's new ticket in one statement", () => {
  const key = (id: string) => ({
    kind: 'api_key' as const,
    id,
    role: 'integration' as const,
    teamId: null,
  });
  const generic = (
    keyId: string,
    externalId: string,
    eventId: string,
    body = 'Where is my order?',
  ) =>
    normalizeGenericEvent(
      genericTicketEventSchema.parse({
        eventId,
        ticket: { externalId, subject: 'Order status' },
        requester: { email: 'buyer@example.net', name: 'Buyer' },
        message: { body },
      }),
      key(keyId),
    );

  it('writes exactly what the general transaction writes, with the owning key', async () => {
    const fast = generic('key-a', `ext-${randomUUID()}`, randomUUID());
    const general = generic('key-a', `ext-${randomUUID()}`, randomUUID());
    const a = await acceptDelivery(db, fast);
    const b = await withTransaction(db, (tx) => acceptDelivery(tx, general));
    expect(a).toMatchObject({ outcome: 'accepted', ticketCreated: true });
    expect(b).toMatchObject({ outcome: 'accepted', ticketCreated: true });
    const fastRows = await snapshot(a.ticketId!, fast.dedupeKey, 'api');
    const generalRows = await snapshot(b.ticketId!, general.dedupeKey, 'api');
    const strip = (rows: Awaited<ReturnType<typeof snapshot>>) => ({
      ...rows,
      ticket: { ...rows.ticket, createdAt: null, replyDueAt: null },
      messages: rows.messages.map((m) => ({ ...m, createdAt: null })),
      events: rows.events.map((e) => ({ ...e, createdAt: null })),
    });
    expect(strip(fastRows)).toEqual(strip(generalRows));
    expect(fastRows.ticket.integrationKeyId).toBe('key-a');
    expect(fastRows.outbox).toEqual([{ job: 'triage', message: 'message0' }]);
  });

  it.runIf(usingPostgres())(
    "is one statement; a follow-up threads on through the general path, another key's is refused",
    async () => {
      const externalId = `ext-${randomUUID()}`;
      let before = databaseRoundTrips();
      const first = await acceptDelivery(db, generic('key-a', externalId, randomUUID()));
      expect(databaseRoundTrips() - before).toBe(1);
      expect(first).toMatchObject({ outcome: 'accepted', ticketCreated: true });

      before = databaseRoundTrips();
      const followUp = await acceptDelivery(
        db,
        generic('key-a', externalId, randomUUID(), 'Any news?'),
      );
      expect(databaseRoundTrips() - before).toBeGreaterThan(1);
      expect(followUp).toMatchObject({ ticketId: first.ticketId, ticketCreated: false });
      expect(await listMessages(db, first.ticketId!)).toHaveLength(2);

      const otherKey = generic('key-b', externalId, randomUUID(), 'Not yours');
      await expect(acceptDelivery(db, otherKey)).rejects.toMatchObject({ code: 'not_found' });
      expect(await findInboxEvent(db, 'api', otherKey.dedupeKey)).toBeFalsy();
      expect(await listMessages(db, first.ticketId!)).toHaveLength(2);
    },
  );
});
