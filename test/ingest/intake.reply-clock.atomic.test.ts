import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/client.js';
import { getTicket, listMessages } from '../../src/db/queries/tickets.js';
import { acceptDelivery } from '../../src/ingest/intake.js';
import type { InboundDelivery } from '../../src/ingest/types.js';
import { normalizeZendeskEvent } from '../../src/ingest/zendesk/normalize.js';
import { zendeskEventSchema } from '../../src/ingest/zendesk/payload.js';
import { draftDueAt } from '../../src/pipeline/review/sla.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { testConfig } from '../support/deps.js';
import { zendeskTicketCreated } from '../support/zendesk.js';

/*
 * A new ticket's first-reply clock in business hours is written with the ticket or not at all.
 * It used to be a second statement after the one that wrote the ticket: when that one failed, the
 * ticket stayed without a clock, and the sender's retry was a duplicate that never set it.
 */
let testDb: TestDatabase;
let db: Db;
const business = testConfig({
  TIME_ZONE: 'Europe/Berlin',
  BUSINESS_HOURS: 'mon-fri 09:00-17:00',
  SLA_MINUTES: '{"urgent":60,"normal":480}',
  SLA_BUSINESS_HOURS: 'normal',
});

beforeAll(async () => {
  testDb = await createTestDatabase();
  db = testDb.db;
});
afterAll(() => testDb.destroy());

const signature = { scheme: 'zendesk-hmac' as const, keyIndex: 0, timestamp: 'ts' };
const created = (ticketId: string): InboundDelivery =>
  normalizeZendeskEvent(zendeskEventSchema.parse(zendeskTicketCreated(ticketId)), signature);

/** Delivers like a webhook sender: a failed attempt (5xx) is sent again. */
async function deliverWithRetry(delivery: InboundDelivery, beforeRetry: () => Promise<void>) {
  try {
    return await acceptDelivery(db, structuredClone(delivery), { sla: business });
  } catch {
    await beforeRetry();
    return acceptDelivery(db, structuredClone(delivery), { sla: business });
  }
}

describe('business-hours first-reply clock', () => {
  it('is never missing from a new ticket when writing the clock fails', async () => {
    // Any statement that sets a ticket's reply clock after the ticket exists fails (once).
    await db.execute(sql`create function fail_clock() returns trigger language plpgsql as $$
      begin raise exception 'injected: reply clock write failed'; end $$`);
    await db.execute(sql`create trigger fail_clock before update of reply_due_at on tickets
      for each row when (old.reply_due_at is null and new.reply_due_at is not null)
      execute function fail_clock()`);
    const dropTrigger = async () => {
      await db.execute(sql`drop trigger if exists fail_clock on tickets`);
    };

    const result = await deliverWithRetry(created('81001'), dropTrigger);
    await dropTrigger();
    expect(result.ticketId).toBeTruthy();
    const ticket = (await getTicket(db, result.ticketId!))!;
    const [question] = await listMessages(db, ticket.id);
    expect(ticket.replyDueAt).not.toBeNull();
    expect(ticket.replyDueAt).toEqual(
      await draftDueAt(db, business, {
        ticketId: ticket.id,
        ticketCreatedAt: ticket.createdAt,
        message: question!,
        policy: null,
        priority: null,
      }),
    );
  });
});
