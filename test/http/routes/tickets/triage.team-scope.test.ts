import { beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../../../src/auth/api-keys.js';
import { getTriage } from '../../../../src/db/queries/triage.js';
import { seedPendingDraft } from '../../../support/drafts.js';
import { fileTestApp } from '../../../support/fixtures.js';

/** The ticket triage view and correction follow the same team scoping as drafts. */
const { deps, app } = await fileTestApp();
let billingAgent: string;
let manager: string;

beforeAll(async () => {
  billingAgent = (await createApiKey(deps.db, { name: 'a', role: 'agent', teamId: 'billing' })).key;
  manager = (await createApiKey(deps.db, { name: 'm', role: 'manager' })).key;
});

const call = (key: string, ticketId: string, body?: unknown) =>
  app.request(`/api/tickets/${ticketId}/triage`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });

describe('ticket triage API, team scoping', () => {
  it("answers 404 to a team agent for another team's ticket and does not correct it", async () => {
    const { ticketId } = await seedPendingDraft(deps.db, { team: 'fulfilment' });
    const view = await call(billingAgent, ticketId);
    expect(view.status).toBe(404);
    const absent = await call(billingAgent, '00000000-0000-4000-8000-000000000000');
    expect(((await view.json()) as { error: { code: string } }).error.code).toBe('not_found');
    expect(absent.status).toBe(404);

    const corrected = await call(billingAgent, ticketId, { category: 'refund' });
    expect(corrected.status).toBe(404);
    expect((await getTriage(deps.db, ticketId))?.correctedCategory).toBeNull();

    expect((await call(manager, ticketId)).status).toBe(200);
  });

  it("shows and corrects the agent's own team's ticket", async () => {
    const { ticketId } = await seedPendingDraft(deps.db, { team: 'billing' });
    expect((await call(billingAgent, ticketId)).status).toBe(200);
    const corrected = await call(billingAgent, ticketId, { category: 'refund' });
    expect(corrected.status).toBe(200);
    expect((await getTriage(deps.db, ticketId))?.correctedCategory).toBe('refund');
  });
});
