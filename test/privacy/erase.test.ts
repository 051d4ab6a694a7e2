import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { enqueueOutbox } from '../../src/db/queries/outbox.js';
import { getTicket, listMessages } from '../../src/db/queries/tickets.js';
import { rowsOf } from '../../src/db/rows.js';
import { acceptDelivery } from '../../src/ingest/intake.js';
import { triageTicket } from '../../src/pipeline/triage/triage.js';
import { eraseCustomer } from '../../src/privacy/erase.js';
import { fileTestDeps } from '../support/fixtures.js';
import { seedEmailTicket } from '../support/tickets.js';

const deps = await fileTestDeps();

const count = async (query: ReturnType<typeof sql>) =>
  rowsOf<{ n: number }>(await deps.db.execute(query))[0]!.n;

describe('eraseCustomer (GDPR)', () => {
  it('removes the customer from every table and redacts mentions elsewhere', async () => {
    const a = await seedEmailTicket(deps.db, {
      from: 'Erase.Me@example.org',
      body: 'Refund please, my card was charged twice.',
    });
    const b = await seedEmailTicket(deps.db, {
      from: 'erase.me@example.org',
      body: 'Also my password does not work.',
    });
    await triageTicket(deps, { ticketId: a.ticketId });
    await enqueueOutbox(deps.db, 'draft', { ticketId: b.ticketId });
    const other = await acceptDelivery(deps.db, {
      source: 'api',
      dedupeKey: 'other-1',
      eventType: 'message',
      signature: { scheme: 'none' },
      ticket: {
        externalId: 'O-1',
        subject: 'Team question',
        channel: 'api',
        requesterEmail: 'boss@example.org',
      },
      message: {
        authorKind: 'customer',
        bodyText: 'Please help my colleague ERASE.ME@example.org with her refund.',
      },
    });

    const report = await eraseCustomer(deps.db, ' Erase.Me@Example.org ', {
      kind: 'api_key',
      id: 'key-1',
    });
    expect(report).toMatchObject({ tickets: 2, inboxEvents: 2, mentionsRedacted: 1 });
    expect(report.outboxRows).toBeGreaterThanOrEqual(1);
    for (const id of [a.ticketId, b.ticketId]) expect(await getTicket(deps.db, id)).toBeNull();
    for (const table of [
      'messages',
      'ticket_events',
      'ticket_triage',
      'ai_interactions',
      'drafts',
      'inbox_events',
    ]) {
      expect(
        await count(
          sql`select count(*)::int as n from ${sql.identifier(table)} where ticket_id in (${a.ticketId}, ${b.ticketId})`,
        ),
        table,
      ).toBe(0);
    }
    expect(
      await count(
        sql`select count(*)::int as n from outbox where state = 'pending' and payload->>'ticketId' in (${a.ticketId}, ${b.ticketId})`,
      ),
    ).toBe(0);
    const everything = rowsOf<{ t: string }>(
      await deps.db.execute(
        sql`select string_agg(body_text || coalesce(author_email, ''), ' ') as t from messages`,
      ),
    )[0]!.t;
    expect(everything.toLowerCase()).not.toContain('erase.me@example.org');
    const [kept] = await listMessages(deps.db, other.ticketId!);
    expect(kept!.bodyText).toBe('Please help my colleague [erased] with her refund.');
    // The erasure is on record — who asked, how much went — but not whose data it was.
    const audit = rowsOf<{ action: string; actor_kind: string; actor_id: string; data: unknown }>(
      await deps.db.execute(sql`select action, actor_kind, actor_id, data from audit_log`),
    );
    expect(audit).toEqual([
      {
        action: 'customer_erased',
        actor_kind: 'api_key',
        actor_id: 'key-1',
        data: {
          tickets: 2,
          inboxEvents: 2,
          outboxRows: report.outboxRows,
          mentionsRedacted: 1,
          derivedRowsRedacted: 0,
        },
      },
    ]);
    expect(JSON.stringify(audit).toLowerCase()).not.toContain('erase.me');
  });
});
