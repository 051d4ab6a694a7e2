import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../../../src/app.js';
import { createApiKey } from '../../../../src/auth/api-keys.js';
import { recordTicketEvent } from '../../../../src/db/queries/tickets.js';
import { createUserWithRole } from '../../../support/browser.js';
import { createTestDeps, type TestDeps } from '../../../support/deps.js';
import { seedEmailTicket } from '../../../support/tickets.js';

/**
 * The audit listing names who acted: a person by their name (people are recorded by email, as
 * agents know each other), a key by its name (keys are recorded by id). Real Postgres.
 */
let deps: TestDeps;
let app: ReturnType<typeof createApp>;
let managerKey: string;

beforeAll(async () => {
  deps = await createTestDeps();
  app = createApp(deps);
  managerKey = (await createApiKey(deps.db, { name: 'audit reader', role: 'manager' })).key;
}, 60_000);
afterAll(() => deps?.cleanup());

describe('GET /api/audit/actions: the actor', () => {
  it('is named for a person recorded by email', async () => {
    const email = await createUserWithRole(deps, 'agent'); // named 'Agent Tester'
    const { ticketId } = await seedEmailTicket(deps.db, { subject: 'Refund' });
    await recordTicketEvent(deps.db, {
      ticketId,
      type: 'rejected',
      actorKind: 'agent',
      actorId: email,
      data: { version: 1, reason: 'Wrong answer' },
    });
    const res = await app.request(`/api/audit/actions?actor=${encodeURIComponent(email)}`, {
      headers: { authorization: `Bearer ${managerKey}` },
    });
    expect(res.status).toBe(200);
    const page = (await res.json()) as { items: { actor: unknown }[] };
    expect(page.items).toHaveLength(1);
    expect(page.items[0]!.actor).toEqual({
      kind: 'agent',
      id: email,
      name: 'Agent Tester',
    });
  });
});
