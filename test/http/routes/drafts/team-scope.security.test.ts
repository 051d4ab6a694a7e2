import { sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../../../src/auth/api-keys.js';
import { getDeliveryForDraft, getDraft } from '../../../../src/db/queries/drafts.js';
import { rowsOf } from '../../../../src/db/rows.js';
import type { Role } from '../../../../src/db/schema/api-keys.js';
import type { Draft } from '../../../../src/db/schema/drafts.js';
import { seedPendingDraft } from '../../../support/drafts.js';
import { fileTestApp } from '../../../support/fixtures.js';
import { countRows } from '../../../support/rows.js';

/**
 * Team scoping of the drafts API: an agent key with a team sees and acts on its team's tickets
 * and unrouted ones only; another team's draft answers exactly like a missing one (404) and
 * nothing is written. Agents without a team and managers are unrestricted.
 */
const { deps, app } = await fileTestApp();
const keys: Record<string, string> = {};
let billing: Draft;
let fulfilment: Draft;
let unrouted: Draft;
let untriaged: Draft;

async function key(name: string, role: Role, teamId: string | null) {
  keys[name] = (await createApiKey(deps.db, { name, role, teamId })).key;
}

beforeAll(async () => {
  await key('billingAgent', 'agent', 'billing');
  await key('teamlessAgent', 'agent', null);
  await key('manager', 'manager', null);
  // A manager's team does not restrict it: only agents are scoped.
  await key('billingManager', 'manager', 'billing');
  billing = (await seedPendingDraft(deps.db, { team: 'billing' })).draft;
  fulfilment = (await seedPendingDraft(deps.db, { team: 'fulfilment' })).draft;
  unrouted = (await seedPendingDraft(deps.db, { team: null })).draft;
  untriaged = (await seedPendingDraft(deps.db)).draft;
});

const call = (who: string, method: string, path: string, body?: unknown) =>
  app.request(path, {
    method,
    headers: { authorization: `Bearer ${keys[who]}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });

async function listedIds(who: string, query = ''): Promise<string[]> {
  const res = await call(who, 'GET', `/api/drafts${query}`);
  expect(res.status).toBe(200);
  const body = (await res.json()) as { drafts: { id: string }[] };
  return body.drafts.map((d) => d.id);
}

/** Everything a draft action could have written. */
async function snapshot(draftId: string) {
  const draft = await getDraft(deps.db, draftId);
  const delivery = await getDeliveryForDraft(deps.db, draftId);
  const versions = rowsOf<{ n: number }>(
    await deps.db.execute(
      sql`select count(*)::int as n from drafts where ticket_id = ${draft!.ticketId}`,
    ),
  );
  return { draft, delivery, versions, rows: await countRows(deps.db) };
}

describe('drafts API, team scoping', () => {
  it("lists only the agent's team's drafts and unrouted ones", async () => {
    const ids = await listedIds('billingAgent');
    expect(ids).toEqual(expect.arrayContaining([billing.id, unrouted.id, untriaged.id]));
    expect(ids).not.toContain(fulfilment.id);
    // Asking for another team by filter does not widen the scope.
    expect(await listedIds('billingAgent', '?team=fulfilment')).toEqual([]);
    expect(await listedIds('billingAgent', '?team=billing')).toEqual([billing.id]);
  });

  it('lists everything for an agent without a team and for managers', async () => {
    for (const who of ['teamlessAgent', 'manager', 'billingManager']) {
      expect(await listedIds(who), who).toEqual(
        expect.arrayContaining([billing.id, fulfilment.id, unrouted.id, untriaged.id]),
      );
    }
  });

  it("answers 404 for another team's draft, like a missing one, and changes nothing", async () => {
    const before = await snapshot(fulfilment.id);
    const missing = '00000000-0000-4000-8000-000000000000';
    const attempts: [string, string, unknown?][] = [
      ['GET', ''],
      ['POST', '/claim'],
      ['POST', '/approve', { lockVersion: fulfilment.lockVersion }],
      ['POST', '/edit', { text: 'Changed by the wrong team' }],
      ['POST', '/reject', { reason: 'not mine' }],
      ['POST', '/regenerate', { instructions: 'shorter' }],
    ];
    for (const [method, action, body] of attempts) {
      const res = await call('billingAgent', method, `/api/drafts/${fulfilment.id}${action}`, body);
      expect(res.status, `${method} ${action}`).toBe(404);
      const envelope = (await res.json()) as { error: { code: string; message: string } };
      expect(envelope.error.code).toBe('not_found');
      // Same answer as for an id that does not exist: the other team's id is not confirmed.
      const absent = await call('billingAgent', method, `/api/drafts/${missing}${action}`, body);
      expect(absent.status).toBe(404);
      expect(((await absent.json()) as typeof envelope).error.message).toBe(envelope.error.message);
    }
    expect(await snapshot(fulfilment.id)).toEqual(before);
  });

  it("lets the agent read and act on its team's and unrouted drafts", async () => {
    const got = await call('billingAgent', 'GET', `/api/drafts/${billing.id}`);
    expect(got.status).toBe(200);
    const approved = await call('billingAgent', 'POST', `/api/drafts/${billing.id}/approve`);
    expect(approved.status).toBe(200);
    expect((await getDraft(deps.db, billing.id))?.status).toBe('approved');

    const edited = await call('billingAgent', 'POST', `/api/drafts/${unrouted.id}/edit`, {
      text: 'Reset it from the sign-in page, then sign in again.',
    });
    expect(edited.status).toBe(200);
    expect((await getDraft(deps.db, unrouted.id))?.finalText).toBe(
      'Reset it from the sign-in page, then sign in again.',
    );

    const rejected = await call('billingAgent', 'POST', `/api/drafts/${untriaged.id}/reject`, {
      reason: 'wrong answer',
    });
    expect(rejected.status).toBe(200);
    expect((await getDraft(deps.db, untriaged.id))?.status).toBe('rejected');
  });

  it("lets a teamless agent and a manager act on any team's draft", async () => {
    const other = (await seedPendingDraft(deps.db, { team: 'fulfilment' })).draft;
    expect((await call('teamlessAgent', 'GET', `/api/drafts/${fulfilment.id}`)).status).toBe(200);
    expect((await call('billingManager', 'GET', `/api/drafts/${fulfilment.id}`)).status).toBe(200);
    const rejected = await call('manager', 'POST', `/api/drafts/${fulfilment.id}/reject`, {
      reason: 'duplicate',
    });
    expect(rejected.status).toBe(200);
    const approved = await call('teamlessAgent', 'POST', `/api/drafts/${other.id}/approve`);
    expect(approved.status).toBe(200);
  });
});
