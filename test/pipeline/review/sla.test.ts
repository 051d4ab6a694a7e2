import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { getDraft } from '../../../src/db/queries/drafts.js';
import { listTicketEvents } from '../../../src/db/queries/tickets.js';
import { draftReply } from '../../../src/pipeline/draft/draft.js';
import { triageTicket } from '../../../src/pipeline/triage/triage.js';
import { processSla } from '../../../src/queue/processors/sla.js';
import { fileTestMailApp } from '../../support/fixtures.js';
import { parseReceived } from '../../support/smtp-server.js';
import { seedEmailTicket } from '../../support/tickets.js';

const { deps, smtp } = await fileTestMailApp(
  { SLA_NOTIFY: 'leads@deskpilot.test,oncall@deskpilot.test' },
  { sampleKb: true },
);

describe('SLA escalation', () => {
  it('marks a draft still pending at its due time overdue and emails the team once', async () => {
    const { ticketId } = await seedEmailTicket(deps.db, {
      body: 'My refund has not arrived, where is it?',
    });
    const triage = await triageTicket(deps, { ticketId });
    const outcome = await draftReply(deps, { ticketId });
    if (outcome.status !== 'drafted') throw new Error('not drafted');
    // Due time follows the triage priority's SLA.
    const minutes = deps.config.SLA_MINUTES[triage!.priority]!;
    expect(
      outcome.draft.slaDueAt!.getTime() - outcome.draft.createdAt.getTime(),
    ).toBeLessThanOrEqual(minutes * 60_000);

    // Not due yet: the job fails and BullMQ retries it later.
    await expect(processSla(deps, { draftId: outcome.draft.id }, {} as never)).rejects.toThrow(
      /not due/,
    );

    await deps.db.execute(
      sql`update drafts set sla_due_at = now() - interval '1 minute' where id = ${outcome.draft.id}`,
    );
    const lockBefore = (await getDraft(deps.db, outcome.draft.id))!.lockVersion;
    expect(await processSla(deps, { draftId: outcome.draft.id }, {} as never)).toEqual({
      overdue: true,
    });
    expect(await processSla(deps, { draftId: outcome.draft.id }, {} as never)).toEqual({
      overdue: false,
    });
    const draft = await getDraft(deps.db, outcome.draft.id);
    expect(draft?.overdue).toBe(true);
    // An agent who loaded the draft before it went overdue can still approve it.
    expect(draft?.lockVersion).toBe(lockBefore);
    expect((await listTicketEvents(deps.db, ticketId)).map((e) => e.type)).toContain('overdue');
    await smtp.waitForMessages(2);
    expect(smtp.received.flatMap((m) => m.envelope.rcptTo).sort()).toEqual([
      'leads@deskpilot.test',
      'oncall@deskpilot.test',
    ]);
    const mail = await parseReceived(smtp.received[0]!);
    expect(mail.subject).toContain('past its SLA');
    expect(mail.text).toContain(`/app/tickets/${ticketId}`);
    expect(mail.text).not.toContain('refund has not arrived');
  });
});
