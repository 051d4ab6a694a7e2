import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { createUser } from '../../../src/auth/users.js';
import { getDelivery, getDraft, listDraftsForTicket } from '../../../src/db/queries/drafts.js';
import { listMessages } from '../../../src/db/queries/tickets.js';
import { getTriage } from '../../../src/db/queries/triage.js';
import type { UserRole } from '../../../src/db/schema/users.js';
import { seedFailedDelivery, seedPendingDraft } from '../../support/drafts.js';
import { fileTestApp } from '../../support/fixtures.js';
import { signInOverHttp } from '../../support/sign-in.js';

/**
 * The inbox applies the same team scoping as the API: a team agent's queue holds its team's and
 * unrouted tickets, and another team's ticket opened by id is a 404 like a missing one.
 */
const { deps, app } = await fileTestApp();
const password = 'a long enough password';
const sessions: Record<string, { cookie: string; csrf: string }> = {};
const seeded = {} as Record<
  'billing' | 'fulfilment' | 'unrouted',
  { ticketId: string; draftId: string }
>;

async function signIn(email: string, role: UserRole, teamId: string | null) {
  await createUser(deps.db, { email, name: email, role, password, teamId });
  sessions[email] = await signInOverHttp(app, deps.db, email, password);
}

beforeAll(async () => {
  await signIn('ana@example.com', 'agent', 'billing');
  await signIn('lead@example.com', 'manager', null);
  for (const [name, team] of [
    ['billing', 'billing'],
    ['fulfilment', 'fulfilment'],
    ['unrouted', null],
  ] as const) {
    const { ticketId, draft } = await seedPendingDraft(deps.db, {
      team,
      subject: `Subject ${name}`,
    });
    seeded[name] = { ticketId, draftId: draft.id };
  }
});

const get = (email: string, url: string) =>
  app.request(url, { headers: { cookie: sessions[email]!.cookie } });
const post = (email: string, url: string, fields: Record<string, string>) =>
  app.request(url, {
    method: 'POST',
    headers: {
      cookie: sessions[email]!.cookie,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams({ _csrf: sessions[email]!.csrf, ...fields }).toString(),
  });

describe('inbox, team scoping', () => {
  it("queues the agent's team's and unrouted tickets only", async () => {
    const res = await get('ana@example.com', '/app');
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('Subject billing');
    expect(html).toContain('Subject unrouted');
    expect(html).not.toContain('Subject fulfilment');
  });

  it("answers 404 for another team's ticket, as for a missing one", async () => {
    const res = await get('ana@example.com', `/app?ticket=${seeded.fulfilment.ticketId}`);
    expect(res.status).toBe(404);
    const html = await res.text();
    expect(html).not.toContain('Subject fulfilment');
    expect(html).toContain('That ticket does not exist or is not in your queue.');
    const missing = await get(
      'ana@example.com',
      '/app?ticket=00000000-0000-4000-8000-000000000000',
    );
    expect(missing.status).toBe(404);

    const own = await get('ana@example.com', `/app?ticket=${seeded.billing.ticketId}`);
    expect(own.status).toBe(200);
    expect(await own.text()).toContain('id="approve-form"');
  });

  it("does not act on another team's draft from a form post", async () => {
    const { draftId } = seeded.fulfilment;
    const before = await getDraft(deps.db, draftId);
    for (const [action, fields] of [
      ['approve', { text: 'Sent by the wrong team' }],
      ['reject', { reason: 'wrong_answer' }],
      ['regenerate', { instructions: 'shorter' }],
    ] as const) {
      const res = await post('ana@example.com', `/app/drafts/${draftId}/${action}`, {
        back: '/app',
        ...fields,
      });
      expect(res.status, action).toBe(303);
      expect(res.headers.get('location'), action).toBe('/app?notice=missing');
    }
    expect(await getDraft(deps.db, draftId)).toEqual(before);
  });

  it("does not retry, correct, reply to or note another team's ticket from a form post", async () => {
    const { ticketId, delivery } = await seedFailedDelivery(deps.db, 'fulfilment');
    const retried = await post('ana@example.com', `/app/deliveries/${delivery.id}/retry`, {
      back: '/app',
    });
    expect(retried.headers.get('location')).toBe('/app?notice=missing');
    expect(await getDelivery(deps.db, delivery.id)).toMatchObject({ state: 'failed' });

    const corrected = await post('ana@example.com', `/app/tickets/${ticketId}/triage`, {
      back: '/app',
      category: 'refund',
      priority: 'urgent',
    });
    expect(corrected.headers.get('location')).toBe(`/app?ticket=${ticketId}&notice=invalid`);
    expect(await getTriage(deps.db, ticketId)).toMatchObject({
      correctedCategory: null,
      priority: 'normal',
    });

    const messages = (await listMessages(deps.db, ticketId)).length;
    for (const [path, fields] of [
      ['replies', { text: 'Not my team.', idempotencyKey: randomUUID() }],
      ['notes', { text: 'Not my team.' }],
    ] as const) {
      const res = await post('ana@example.com', `/app/tickets/${ticketId}/${path}`, fields);
      expect(res.headers.get('location'), path).toBe('/app/tickets?notice=no_ticket');
    }
    expect(await listDraftsForTicket(deps.db, ticketId)).toHaveLength(1);
    expect(await listMessages(deps.db, ticketId)).toHaveLength(messages);

    // The manager, unrestricted, retries the same delivery.
    await post('lead@example.com', `/app/deliveries/${delivery.id}/retry`, { back: '/app' });
    expect(await getDelivery(deps.db, delivery.id)).toMatchObject({ state: 'pending' });
  });

  it('shows a manager every ticket', async () => {
    const res = await get('lead@example.com', `/app?ticket=${seeded.fulfilment.ticketId}`);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('Subject fulfilment');
  });
});
