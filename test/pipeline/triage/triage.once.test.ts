import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { insertMessage, listTicketEvents, upsertTicket } from '../../../src/db/queries/tickets.js';
import { getTriage, listAiInteractions } from '../../../src/db/queries/triage.js';
import { rowsOf } from '../../../src/db/rows.js';
import { triageTicket } from '../../../src/pipeline/triage/triage.js';
import { fileTestDeps } from '../../support/fixtures.js';

/*
 * One triage per customer message: the triage row gates everything else the step writes (one
 * statement), so a re-run — after a worker died, or at the same time as the first run — writes no
 * second `triaged` event, audit row or draft job, and answers with the first run's decision.
 */

const deps = await fileTestDeps();

async function ticketWith(text: string) {
  const { ticket } = await upsertTicket(deps.db, {
    source: 'api',
    channel: 'api',
    subject: 'Parcel',
    requesterEmail: 'ana@example.com',
  });
  await customerSays(ticket.id, text);
  return ticket;
}

function customerSays(ticketId: string, text: string) {
  return insertMessage(deps.db, {
    ticketId,
    direction: 'inbound',
    authorKind: 'customer',
    bodyText: text,
  });
}

async function written(ticketId: string) {
  const events = (await listTicketEvents(deps.db, ticketId)).filter((e) => e.type === 'triaged');
  const audits = (await listAiInteractions(deps.db, ticketId)).filter(
    (i) => i.step === 'triage.classify',
  );
  const [jobs] = rowsOf<{ n: number }>(
    await deps.db.execute(
      sql`select count(*)::int as n from outbox where job_name = 'draft' and payload->>'ticketId' = ${ticketId}`,
    ),
  );
  return { events: events.length, audits: audits.length, draftJobs: jobs!.n };
}

describe('triage of one customer message', () => {
  it('runs at the same time and again later write it once', async () => {
    const ticket = await ticketWith('My parcel never arrived, the tracking shows nothing.');
    const [first, second] = await Promise.all([
      triageTicket(deps, { ticketId: ticket.id }),
      triageTicket(deps, { ticketId: ticket.id }),
    ]);
    const third = await triageTicket(deps, { ticketId: ticket.id });
    // The stored confidence is a float4: the first run's answer rounded.
    const decision = { ...first!, confidence: expect.closeTo(first!.confidence, 6) };
    expect(second).toEqual(decision);
    expect(third).toEqual(decision);
    expect(await written(ticket.id)).toEqual({
      events: 1,
      audits: 1,
      draftJobs: first!.draft ? 1 : 0,
    });
  });

  it('a new customer message is triaged again, with its own event, audit row and draft job', async () => {
    const ticket = await ticketWith('My parcel never arrived, the tracking shows nothing.');
    const first = (await triageTicket(deps, { ticketId: ticket.id }))!;
    const later = await customerSays(ticket.id, 'I was charged twice, please refund me.');
    const second = (await triageTicket(deps, { ticketId: ticket.id }))!;
    expect((await getTriage(deps.db, ticket.id))!.messageId).toBe(later.id);
    expect(await written(ticket.id)).toEqual({
      events: 2,
      audits: 2,
      draftJobs: (first.draft ? 1 : 0) + (second.draft ? 1 : 0),
    });
  });
});
