import { beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../../../src/auth/api-keys.js';
import { createUser } from '../../../../src/auth/users.js';
import {
  usersCreate,
  usersDisable,
  usersEnable,
  usersResetPassword,
  usersSetRole,
} from '../../../../src/cli/commands/users.js';
import { findUserByEmail } from '../../../../src/db/queries/users.js';
import { fileTestApp } from '../../../support/fixtures.js';
import { signInOverHttp } from '../../../support/sign-in.js';

/**
 * Every people-management action — invite, disable, enable, password reset, role change — from
 * the People page, the welcome checklist and the command line is listed by /api/audit/actions
 * with who did it: the admin (recorded by email, as people are everywhere, and named), or `cli`.
 */
const { deps, app } = await fileTestApp();
const password = 'a long enough password';
let managerKey: string;
let rita: { id: string; email: string };

interface Action {
  action: string;
  actor: { kind: string; id: string | null; name: string | null };
  details: Record<string, unknown>;
}

beforeAll(async () => {
  managerKey = (await createApiKey(deps.db, { name: 'audit reader', role: 'manager' })).key;
  const admin = await createUser(deps.db, {
    email: 'rita@example.com',
    name: 'Rita Admin',
    role: 'admin',
    password,
  });
  rita = { id: admin.id, email: admin.email };
});

async function listed(query = ''): Promise<Action[]> {
  const res = await app.request(`/api/audit/actions?limit=200${query}`, {
    headers: { authorization: `Bearer ${managerKey}` },
  });
  expect(res.status, await res.clone().text()).toBe(200);
  return ((await res.json()) as { items: Action[] }).items;
}

/** The listed actions about `email`'s account, oldest first, as [action, actor kind, actor id]. */
async function actionsOn(email: string, query = '') {
  const { id } = (await findUserByEmail(deps.db, email))!;
  return (await listed(query))
    .filter((a) => a.details.userId === id)
    .reverse()
    .map((a) => [a.action, a.actor.kind, a.actor.id, a.actor.name]);
}

const form = async (
  s: { cookie: string; csrf: string },
  to: string,
  fields: Record<string, string> = {},
) =>
  app.request(to, {
    method: 'POST',
    headers: { cookie: s.cookie, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ _csrf: s.csrf, ...fields }).toString(),
  });

describe('/api/audit/actions: who managed people', () => {
  it('from the People page and the welcome checklist: every action names the admin', async () => {
    const s = await signInOverHttp(app, deps.db, rita.email, password);
    expect(
      (await form(s, '/app/people/invite', { email: 'nia@example.com', role: 'agent' })).status,
    ).toBe(200);
    const nia = (await findUserByEmail(deps.db, 'nia@example.com'))!.id;
    expect((await form(s, `/app/people/${nia}/disable`)).status).toBe(303);
    expect((await form(s, `/app/people/${nia}/enable`)).status).toBe(303);
    expect((await form(s, `/app/people/${nia}/reset-password`)).status).toBe(200);
    expect((await form(s, `/app/people/${nia}/role`, { role: 'manager' })).status).toBe(303);
    expect((await form(s, `/app/people/${nia}/disable`)).status).toBe(303);
    const byRita = ['user', rita.email, 'Rita Admin'];
    expect(await actionsOn('nia@example.com')).toEqual([
      ['user_created', ...byRita],
      ['user_disabled', ...byRita],
      ['user_enabled', ...byRita],
      ['user_password_reset', ...byRita],
      ['user_role_changed', ...byRita],
      ['user_disabled', ...byRita],
    ]);
    const created = (await listed('&action=user_created')).find((a) => a.details.userId === nia);
    expect(created?.details).toEqual({ userId: nia, name: 'nia', role: 'agent' });

    expect(
      (await form(s, '/app/welcome/invite', { email: 'wes@example.com', role: 'agent' })).status,
    ).toBe(200);
    expect(await actionsOn('wes@example.com')).toEqual([['user_created', ...byRita]]);

    // The actor filter takes the admin's user id as well as the email they are recorded by.
    for (const actor of [rita.id, rita.email]) {
      const mine = await actionsOn('nia@example.com', `&actor=${encodeURIComponent(actor)}`);
      expect(mine).toHaveLength(6);
    }
  });

  it('from the command line: every action is the cli', async () => {
    const cliDeps = { db: deps.db, live: deps.live };
    await usersCreate(deps.db, { email: 'cy@example.com', role: 'agent', password });
    await usersDisable(cliDeps, 'cy@example.com');
    await usersEnable(cliDeps, 'cy@example.com');
    await usersResetPassword(cliDeps, 'cy@example.com', 'another long password');
    await usersSetRole(cliDeps, 'cy@example.com', 'manager');
    const byCli = ['cli', null, null];
    expect(await actionsOn('cy@example.com')).toEqual([
      ['user_created', ...byCli],
      ['user_disabled', ...byCli],
      ['user_enabled', ...byCli],
      ['user_password_reset', ...byCli],
      ['user_role_changed', ...byCli],
    ]);
  });

  it('an account made outside the people actions is listed, with no actor claimed', async () => {
    await createUser(deps.db, { email: 'old@example.com', name: 'Old', role: 'agent', password });
    expect(await actionsOn('old@example.com')).toEqual([['user_created', 'unknown', null, null]]);
  });
});
