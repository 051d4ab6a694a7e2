import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { createApiKey } from '../../../src/auth/api-keys.js';
import { getTicket, listTicketEvents } from '../../../src/db/queries/tickets.js';
import {
  getTriage,
  latestClassifierVersion,
  listAiInteractions,
} from '../../../src/db/queries/triage.js';
import { rowsOf } from '../../../src/db/rows.js';
import { fileTestZendeskApp, fileWorkers } from '../../support/fixtures.js';
import { waitFor } from '../../support/redis-server.js';
import { signedZendeskRequest, zendeskTicketCreated } from '../../support/zendesk.js';

const { deps, app, zendesk } = await fileTestZendeskApp({ RETRAIN_DEBOUNCE_SECONDS: '0' });
fileWorkers(deps);

describe('triage end to end (webhook → worker → Zendesk write-back)', () => {
  it('classifies, routes, audits and writes back without clobbering existing tags', async () => {
    const remote = zendesk.seedTicket({ id: '90210', tags: ['existing-tag'], priority: 'low' });
    const billing = zendesk.seedGroup({ name: 'billing' });
    const res = await app.request(
      '/webhooks/zendesk',
      signedZendeskRequest(
        zendeskTicketCreated(remote.id, {
          subject: 'Charged twice',
          description:
            'My card 4111 1111 1111 1111 was charged twice for the subscription this month. Call me on +44 20 7946 0958.',
        }),
      ),
    );
    expect(res.status).toBe(202);
    const { ticketId } = (await res.json()) as { ticketId: string };

    const triage = await waitFor(() => getTriage(deps.db, ticketId), {
      what: 'triage row',
      timeoutMs: 30_000,
    });
    expect(['billing', 'refund']).toContain(triage.category);
    expect(triage.confidence).toBeGreaterThan(0);
    expect(triage.team).toBe('billing');
    expect(triage.decidedBy).toBe('classifier');
    const ticket = await getTicket(deps.db, ticketId);
    expect(ticket?.language).toBe('en');

    const interactions = await listAiInteractions(deps.db, ticketId);
    expect(interactions.map((i) => i.step)).toContain('triage.classify');
    // The audit row holds the model's answer, never the customer's text.
    expect(JSON.stringify(interactions)).not.toContain('4111');
    const events = (await listTicketEvents(deps.db, ticketId)).map((e) => e.type);
    expect(events).toContain('triaged');

    await waitFor(async () => zendesk.ticket(remote.id).comments.some((c) => !c.public), {
      what: 'private triage note in Zendesk',
      timeoutMs: 30_000,
    });
    const after = zendesk.ticket(remote.id);
    expect(after.tags).toEqual(
      expect.arrayContaining(['existing-tag', 'deskpilot', `dp_category_${triage.category}`]),
    );
    expect(after.groupId).toBe(billing.id);
    expect(after.priority).toBe(triage.priority);
    const note = after.comments.find((c) => !c.public)!;
    expect(note.body).toContain(`Category: ${triage.category}`);
  });

  it('an agent correction becomes a training label and a new classifier version', async () => {
    const res = await app.request(
      '/webhooks/zendesk',
      signedZendeskRequest(
        zendeskTicketCreated('777001', {
          subject: 'Hello',
          description: 'Where is the parcel I ordered last week?',
        }),
      ),
    );
    const { ticketId } = (await res.json()) as { ticketId: string };
    await waitFor(() => getTriage(deps.db, ticketId), { what: 'triage', timeoutMs: 30_000 });
    const before = await latestClassifierVersion(deps.db);
    const { key } = await createApiKey(deps.db, { name: 'agent', role: 'agent' });
    const { key: integrationKey } = await createApiKey(deps.db, {
      name: 'int',
      role: 'integration',
    });

    const forbidden = await app.request(`/api/tickets/${ticketId}/triage`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${integrationKey}` },
      body: JSON.stringify({ category: 'returns' }),
    });
    expect(forbidden.status).toBe(403);

    const bad = await app.request(`/api/tickets/${ticketId}/triage`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify({ category: 'no-such-category' }),
    });
    expect(bad.status).toBe(400);

    const ok = await app.request(`/api/tickets/${ticketId}/triage`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify({ category: 'returns' }),
    });
    expect(ok.status).toBe(200);
    const triage = await getTriage(deps.db, ticketId);
    expect(triage?.correctedCategory).toBe('returns');
    const [example] = rowsOf<{ label: string; source: string }>(
      await deps.db.execute(
        sql`select label, source from training_examples where ticket_id = ${ticketId}`,
      ),
    );
    expect(example).toEqual({ label: 'returns', source: 'correction' });
    await waitFor(
      async () => {
        const latest = await latestClassifierVersion(deps.db);
        return latest && before && latest.version > before.version ? latest : null;
      },
      { what: 'retrained classifier', timeoutMs: 30_000 },
    );
  });
});
