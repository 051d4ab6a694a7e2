import { eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { listTicketEvents } from '../../../src/db/queries/tickets.js';
import { getTriage } from '../../../src/db/queries/triage.js';
import { ticketTriage } from '../../../src/db/schema/triage.js';
import { triageTicket } from '../../../src/pipeline/triage/triage.js';
import { loadWritebackState, writeBackTriage } from '../../../src/pipeline/triage/writeback.js';
import { fileTestZendeskApp } from '../../support/fixtures.js';
import {
  signedZendeskRequest,
  zendeskCommentAdded,
  zendeskTicketCreated,
} from '../../support/zendesk.js';

/*
 * Write-back never overwrites an agent's decision: Deskpilot sets group and priority only while
 * nobody else has changed them since it last wrote them, against a local HTTP server playing
 * Zendesk (audits, safe updates, 409s).
 */

const { deps, app, zendesk } = await fileTestZendeskApp();

beforeAll(async () => {
  zendesk.seedGroup({ name: 'billing' });
});

const BILLING_TEXT =
  'I was charged twice for my subscription this month, please refund the duplicate payment.';

/** A Zendesk ticket arrives and is triaged (no queue: the steps run inline). */
async function arrive(id: string): Promise<string> {
  zendesk.seedTicket({ id, priority: 'low', groupId: null });
  const res = await app.request(
    '/webhooks/zendesk',
    signedZendeskRequest(
      zendeskTicketCreated(id, { subject: 'Charged twice', description: BILLING_TEXT }),
    ),
  );
  const { ticketId } = (await res.json()) as { ticketId: string };
  await triageTicket(deps, { ticketId });
  return ticketId;
}

const groupId = (name: string) => zendesk.seedGroup({ name }).id;
const other = (priority: string) => (priority === 'urgent' ? 'low' : 'urgent');

describe('Zendesk write-back', () => {
  it('sets group and priority on a ticket nobody has touched, and remembers what it wrote', async () => {
    const ticketId = await arrive('700001');
    const triage = (await getTriage(deps.db, ticketId))!;
    expect(triage.team).toBe('billing');
    expect(await writeBackTriage(deps, ticketId)).toBe('done');
    const remote = zendesk.ticket('700001');
    expect(remote.priority).toBe(triage.priority);
    expect(remote.groupId).not.toBeNull();
    const state = await loadWritebackState(deps.db, ticketId);
    expect(state.written).toEqual({ group_id: remote.groupId, priority: triage.priority });
    expect(state.agentOwned).toEqual([]);
    // Our update's audit is marked as ours.
    expect(remote.audits.some((a) => a.custom.deskpilot_written_by === 'triage-writeback')).toBe(
      true,
    );
  });

  it('after an agent sets group and priority, a customer reply re-triages but only suggests', async () => {
    const ticketId = await arrive('700002');
    await writeBackTriage(deps, ticketId);
    const triage = (await getTriage(deps.db, ticketId))!;
    const escalations = groupId('escalations');
    zendesk.agentEdit('700002', {
      priority: other(triage.priority) as 'urgent',
      groupId: escalations,
    });

    // The customer replies: triage runs again and so does write-back.
    const reply = await app.request(
      '/webhooks/zendesk',
      signedZendeskRequest(zendeskCommentAdded('700002', '990001', 'Any news on my refund?')),
    );
    expect(reply.status).toBe(202);
    await triageTicket(deps, { ticketId });
    expect(await writeBackTriage(deps, ticketId)).toBe('done');

    const remote = zendesk.ticket('700002');
    expect(remote.priority).toBe(other(triage.priority));
    expect(remote.groupId).toBe(escalations);
    const state = await loadWritebackState(deps.db, ticketId);
    expect(state.agentOwned.sort()).toEqual(['group_id', 'priority']);
    const notes = remote.comments.filter((c) => !c.public);
    expect(notes.at(-1)?.body).toContain('Suggested priority');
    expect(notes.at(-1)?.body).toContain('not applied');

    // And it stays that way, even if the agent later picks the value triage would have chosen.
    zendesk.agentEdit('700002', { priority: triage.priority as 'urgent' });
    zendesk.agentEdit('700002', { priority: other(triage.priority) as 'urgent' });
    await writeBackTriage(deps, ticketId);
    expect(zendesk.ticket('700002').priority).toBe(other(triage.priority));
  });

  it('an agent edit racing the write-back wins: the 409 is decided again under the rule', async () => {
    const ticketId = await arrive('700003');
    const triage = (await getTriage(deps.db, ticketId))!;
    const agentPriority = other(triage.priority) as 'urgent';
    // Between our read and our write, an agent sets the priority (only the priority).
    zendesk.beforeNext(() => zendesk.agentEdit('700003', { priority: agentPriority }), {
      method: 'PUT',
      path: /^\/api\/v2\/tickets\/700003\.json$/,
    });
    expect(await writeBackTriage(deps, ticketId)).toBe('done');
    const remote = zendesk.ticket('700003');
    const statuses = zendesk.requests
      .filter((r) => r.method === 'PUT' && r.path === '/api/v2/tickets/700003.json')
      .map((r) => r.status);
    expect(statuses[0]).toBe(409);
    expect(remote.priority).toBe(agentPriority);
    // The group nobody touched is still ours to set.
    expect(remote.groupId).not.toBeNull();
    const state = await loadWritebackState(deps.db, ticketId);
    expect(state.agentOwned).toEqual(['priority']);
    expect(state.written).toEqual({ group_id: remote.groupId });
  });

  it('an agent who changes our priority and then sets it back still owns it', async () => {
    const ticketId = await arrive('700005');
    await writeBackTriage(deps, ticketId);
    const triage = (await getTriage(deps.db, ticketId))!;
    // The ticket holds what we wrote again, but a person decided it.
    zendesk.agentEdit('700005', { priority: other(triage.priority) as 'urgent' });
    zendesk.agentEdit('700005', { priority: triage.priority as 'urgent' });
    // A later triage (the customer wrote again) arrives at another priority.
    await deps.db
      .update(ticketTriage)
      .set({ priority: other(triage.priority) as 'urgent', updatedAt: new Date() })
      .where(eq(ticketTriage.ticketId, ticketId));
    await writeBackTriage(deps, ticketId);
    expect(zendesk.ticket('700005').priority).toBe(triage.priority);
    const state = await loadWritebackState(deps.db, ticketId);
    expect(state.agentOwned).toEqual(['priority']);
    expect(zendesk.ticket('700005').comments.at(-1)?.body).toContain('Suggested priority');
  });

  it('the group and priority an agent gave a ticket they created for a customer are left alone', async () => {
    const res = await app.request(
      '/webhooks/zendesk',
      signedZendeskRequest(
        zendeskTicketCreated('700006', { subject: 'Charged twice', description: BILLING_TEXT }),
      ),
    );
    const { ticketId } = (await res.json()) as { ticketId: string };
    const triage = (await triageTicket(deps, { ticketId }))!;
    const escalations = groupId('escalations-desk');
    zendesk.seedTicket({
      id: '700006',
      priority: other(triage.priority) as 'urgent',
      groupId: escalations,
      createdBy: '390000000000000077',
    });
    await writeBackTriage(deps, ticketId);
    const remote = zendesk.ticket('700006');
    expect([remote.priority, remote.groupId]).toEqual([other(triage.priority), escalations]);
    const state = await loadWritebackState(deps.db, ticketId);
    expect(state.agentOwned.sort()).toEqual(['group_id', 'priority']);
  });

  it("the priority a customer created the ticket with is triage's to set", async () => {
    const ticketId = await arrive('700007');
    const triage = (await getTriage(deps.db, ticketId))!;
    expect(zendesk.ticket('700007').audits[0]?.events).toContainEqual(
      expect.objectContaining({ type: 'Create', field_name: 'priority', value: 'low' }),
    );
    await writeBackTriage(deps, ticketId);
    expect(zendesk.ticket('700007').priority).toBe(triage.priority);
  });

  it('a priority set by an agent before Deskpilot ever wrote is left alone', async () => {
    const ticketId = await arrive('700004');
    const triage = (await getTriage(deps.db, ticketId))!;
    zendesk.agentEdit('700004', { priority: other(triage.priority) as 'urgent' });
    await writeBackTriage(deps, ticketId);
    expect(zendesk.ticket('700004').priority).toBe(other(triage.priority));
    const types = (await listTicketEvents(deps.db, ticketId)).map((e) => e.type);
    expect(types).toContain('helpdesk_written');
  });
});
