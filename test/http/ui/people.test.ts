import { sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { authenticate, createUser, resolveSession } from '../../../src/auth/users.js';
import { findUserByEmail } from '../../../src/db/queries/users.js';
import { rowsOf } from '../../../src/db/rows.js';
import {
  changePersonRole,
  disablePerson,
  resetPersonPassword,
} from '../../../src/pipeline/people.js';
import { fileTestApp } from '../../support/fixtures.js';
import { signInOverHttp } from '../../support/sign-in.js';

/** /app/people (admins) and /app/account (everyone), over HTTP with real sessions and CSRF. */
const { deps, app } = await fileTestApp();
const password = 'a long enough password';

beforeAll(async () => {
  await createUser(deps.db, { email: 'root@example.com', name: 'Rita', role: 'admin', password });
  await createUser(deps.db, { email: 'ana@example.com', name: 'Ana', role: 'agent', password });
  await createUser(deps.db, { email: 'mo@example.com', name: 'Mo', role: 'manager', password });
});

const signIn = (email: string, pw = password) => signInOverHttp(app, deps.db, email, pw);
type Session = Awaited<ReturnType<typeof signIn>>;

const post = (s: Session, path: string, fields: Record<string, string> = {}) =>
  app.request(path, {
    method: 'POST',
    headers: { cookie: s.cookie, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ _csrf: s.csrf, ...fields }).toString(),
  });

const idOf = async (email: string) => (await findUserByEmail(deps.db, email))!.id;
const alive = async (s: Session) =>
  (await resolveSession(deps.db, s.cookie.slice('dp_session='.length))) !== null;

async function auditRows() {
  return rowsOf<{ action: string; actor_kind: string; actor_id: string | null; data: unknown }>(
    await deps.db.execute(
      sql`select action, actor_kind, actor_id, data from audit_log where action like 'user_%' order by id`,
    ),
  );
}

describe('People: who may see and use it', () => {
  it('agents and managers get a 403 and no nav link; signed-out visitors go to sign in', async () => {
    for (const email of ['ana@example.com', 'mo@example.com']) {
      const s = await signIn(email);
      const page = await app.request('/app/people', { headers: { cookie: s.cookie } });
      expect(page.status).toBe(403);
      const target = await idOf('root@example.com');
      const disable = await post(s, `/app/people/${target}/disable`);
      expect(disable.status).toBe(403);
      const inbox = await (await app.request('/app', { headers: { cookie: s.cookie } })).text();
      expect(inbox).not.toContain('href="/app/people"');
    }
    const anon = await app.request('/app/people');
    expect(anon.status).toBe(303);
    expect(anon.headers.get('location')).toBe('/app/login?next=%2Fapp%2Fpeople');
    expect((await findUserByEmail(deps.db, 'root@example.com'))?.disabledAt).toBeNull();
  });

  it('a form without the session CSRF token is refused', async () => {
    const admin = await signIn('root@example.com');
    const res = await app.request(`/app/people/${await idOf('ana@example.com')}/disable`, {
      method: 'POST',
      headers: { cookie: admin.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: '',
    });
    expect(res.status).toBe(403);
    expect((await findUserByEmail(deps.db, 'ana@example.com'))?.disabledAt).toBeNull();
  });

  it('admins see everyone with role, team, status and last sign-in, and the nav link', async () => {
    const admin = await signIn('root@example.com');
    const page = await (
      await app.request('/app/people', { headers: { cookie: admin.cookie } })
    ).text();
    expect(page).toContain('href="/app/people" aria-current="page"');
    for (const email of ['root@example.com', 'ana@example.com', 'mo@example.com']) {
      expect(page).toContain(`data-person="${email}"`);
    }
    expect(page).toMatch(/Rita<span class="muted"> \(you\)/);
    expect(page).toMatch(/\d{4}-\d\d-\d\d \d\d:\d\d UTC/); // root has signed in
  });
});

describe('People: actions', () => {
  it('invite: the password is shown once and works; the audit entry holds no password', async () => {
    const admin = await signIn('root@example.com');
    const res = await post(admin, '/app/people/invite', {
      email: 'new@example.com',
      name: 'Nia',
      role: 'agent',
    });
    expect(res.status).toBe(200);
    const shown = /data-testid="shown-password">[\s\S]*?<code>([^<]+)<\/code>/.exec(
      await res.text(),
    );
    const given = shown![1]!;
    expect(given.length).toBeGreaterThanOrEqual(12);
    expect(await authenticate(deps.db, 'new@example.com', given)).not.toBeNull();
    const again = await post(admin, '/app/people/invite', {
      email: 'new@example.com',
      role: 'agent',
    });
    expect(again.status).toBe(409);
    expect(await again.text()).toContain('already exists');
    const audit = (await auditRows()).filter((r) => r.action === 'user_invited');
    expect(audit).toEqual([
      {
        action: 'user_invited',
        actor_kind: 'user',
        actor_id: 'root@example.com',
        data: { userId: await idOf('new@example.com'), role: 'agent' },
      },
    ]);
    expect(JSON.stringify(await auditRows())).not.toContain(given);
  });

  it('disable ends their sessions and sign-in; re-enable lets the old password in again', async () => {
    const admin = await signIn('root@example.com');
    const ana = await signIn('ana@example.com');
    const id = await idOf('ana@example.com');
    const res = await post(admin, `/app/people/${id}/disable`);
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/app/people?notice=disabled');
    expect(await alive(ana)).toBe(false);
    expect(await authenticate(deps.db, 'ana@example.com', password)).toBeNull();
    const page = await (
      await app.request('/app/people?notice=disabled', { headers: { cookie: admin.cookie } })
    ).text();
    expect(page).toContain('their sessions have ended');
    expect(page).toMatch(/data-person="ana@example.com"[\s\S]*?disabled[\s\S]*?Re-enable/);

    const enable = await post(admin, `/app/people/${id}/enable`);
    expect(enable.headers.get('location')).toBe('/app/people?notice=enabled');
    expect(await authenticate(deps.db, 'ana@example.com', password)).not.toBeNull();
    const actions = (await auditRows()).map((r) => [r.action, r.actor_id, r.data]);
    expect(actions).toContainEqual([
      'user_disabled',
      'root@example.com',
      { userId: id, role: 'agent' },
    ]);
    expect(actions).toContainEqual([
      'user_enabled',
      'root@example.com',
      { userId: id, role: 'agent' },
    ]);
  });

  it('reset password: a new one shown once works, the old one fails, their sessions end', async () => {
    const admin = await signIn('root@example.com');
    const mo = await signIn('mo@example.com');
    const id = await idOf('mo@example.com');
    const res = await post(admin, `/app/people/${id}/reset-password`);
    expect(res.status).toBe(200);
    const given = /data-testid="shown-password">[\s\S]*?<code>([^<]+)<\/code>/.exec(
      await res.text(),
    )![1]!;
    expect(await alive(mo)).toBe(false);
    expect(await alive(admin)).toBe(true);
    expect(await authenticate(deps.db, 'mo@example.com', password)).toBeNull();
    expect(await authenticate(deps.db, 'mo@example.com', given)).not.toBeNull();
    // The page that lists people afterwards does not show it again.
    const later = await (
      await app.request('/app/people', { headers: { cookie: admin.cookie } })
    ).text();
    expect(later).not.toContain(given);
    const audit = (await auditRows()).filter((r) => r.action === 'user_password_reset');
    expect(audit).toEqual([
      {
        action: 'user_password_reset',
        actor_kind: 'user',
        actor_id: 'root@example.com',
        data: { userId: id, role: 'manager', sessionsEnded: 2 }, // here and in the 403 test
      },
    ]);
    expect(JSON.stringify(await auditRows())).not.toContain(given);
    // Back to the shared password for the tests that follow.
    await resetPersonPassword(deps, { kind: 'cli' }, id, password);
  });

  it('change role: takes effect on their next request and is audited from → to', async () => {
    const admin = await signIn('root@example.com');
    const mo = await signIn('mo@example.com');
    const id = await idOf('mo@example.com');
    const res = await post(admin, `/app/people/${id}/role`, { role: 'admin' });
    expect(res.headers.get('location')).toBe('/app/people?notice=role');
    expect((await findUserByEmail(deps.db, 'mo@example.com'))?.role).toBe('admin');
    expect((await app.request('/app/people', { headers: { cookie: mo.cookie } })).status).toBe(200);
    const bad = await post(admin, `/app/people/${id}/role`, { role: 'integration' });
    expect(bad.status).toBe(400);
    const actions = (await auditRows()).map((r) => [r.action, r.data]);
    expect(actions).toContainEqual([
      'user_role_changed',
      { userId: id, from: 'manager', to: 'admin' },
    ]);
  });
});

describe('People: guard rails', () => {
  it('an admin cannot disable or demote themselves', async () => {
    const admin = await signIn('root@example.com');
    const self = await idOf('root@example.com');
    const disable = await post(admin, `/app/people/${self}/disable`);
    expect(disable.status).toBe(409);
    expect(await disable.text()).toContain('You cannot disable yourself');
    const demote = await post(admin, `/app/people/${self}/role`, { role: 'agent' });
    expect(demote.status).toBe(409);
    expect(await demote.text()).toContain('You cannot demote yourself');
    const me = await findUserByEmail(deps.db, 'root@example.com');
    expect(me?.role).toBe('admin');
    expect(me?.disabledAt).toBeNull();
  });

  it('the last active admin can be neither disabled nor demoted, by anyone', async () => {
    // Mo (made admin above) demotes Rita: allowed while Mo remains.
    const mo = await signIn('mo@example.com');
    const rita = await idOf('root@example.com');
    expect((await post(mo, `/app/people/${rita}/role`, { role: 'manager' })).status).toBe(303);
    // Rita is no admin now; Mo is the last one, and only Mo could act on Mo: refused as "self".
    // Give Rita admin back, disable her, and Mo is again the last active admin.
    expect((await post(mo, `/app/people/${rita}/role`, { role: 'admin' })).status).toBe(303);
    expect((await post(mo, `/app/people/${rita}/disable`)).status).toBe(303);
    const moId = await idOf('mo@example.com');
    await expect(disablePerson(deps, { kind: 'cli' }, moId)).rejects.toThrow(
      /mo@example.com is the last active admin/,
    );
    await expect(changePersonRole(deps, { kind: 'cli' }, moId, 'agent')).rejects.toThrow(
      /last active admin/,
    );
    expect((await findUserByEmail(deps.db, 'mo@example.com'))?.role).toBe('admin');
    // A disabled admin does not count: re-enabled, Rita is an admin beside Mo again.
    expect((await post(mo, `/app/people/${rita}/enable`)).status).toBe(303);
    await expect(changePersonRole(deps, { kind: 'cli' }, moId, 'manager')).resolves.toMatchObject({
      changed: true,
    });
  });

  it('an unknown or malformed id is a 404 on the page', async () => {
    const admin = await signIn('root@example.com');
    expect((await post(admin, '/app/people/not-a-uuid/disable')).status).toBe(404);
    const missing = await post(admin, '/app/people/00000000-0000-4000-8000-000000000000/enable');
    expect(missing.status).toBe(404);
    expect(await missing.text()).toContain('No such user');
  });
});

describe('Your account: change your own password', () => {
  it('needs the current password and the new one twice; other sessions end, this one stays', async () => {
    const here = await signIn('ana@example.com');
    const there = await signIn('ana@example.com');
    const next = 'a brand new passphrase';
    const page = await app.request('/app/account', { headers: { cookie: here.cookie } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('Change your password');

    const wrong = await post(here, '/app/account/password', {
      current: 'nope nope nope',
      next,
      again: next,
    });
    expect(wrong.status).toBe(400);
    expect(await wrong.text()).toContain('current password is wrong');
    const differ = await post(here, '/app/account/password', {
      current: password,
      next,
      again: `${next}!`,
    });
    expect(differ.status).toBe(400);
    expect(await differ.text()).toContain('the two new passwords differ');
    const short = await post(here, '/app/account/password', {
      current: password,
      next: 'short',
      again: 'short',
    });
    expect(short.status).toBe(400);
    expect(await short.text()).toContain('at least 12 characters');
    expect(await authenticate(deps.db, 'ana@example.com', password)).not.toBeNull();

    const ok = await post(here, '/app/account/password', { current: password, next, again: next });
    expect(ok.status).toBe(303);
    expect(ok.headers.get('location')).toBe('/app/account?notice=changed');
    expect(await alive(here)).toBe(true);
    expect(await alive(there)).toBe(false);
    expect(await authenticate(deps.db, 'ana@example.com', password)).toBeNull();
    expect(await authenticate(deps.db, 'ana@example.com', next)).not.toBeNull();
    const audit = (await auditRows()).filter((r) => r.action === 'user_password_changed');
    expect(audit).toEqual([
      {
        action: 'user_password_changed',
        actor_kind: 'user',
        actor_id: 'ana@example.com',
        data: { userId: await idOf('ana@example.com'), sessionsEnded: 1 },
      },
    ]);
    expect(JSON.stringify(await auditRows())).not.toContain(next);
  });

  it('guesses at the current password count with sign-in attempts: the 11th is refused (429)', async () => {
    await createUser(deps.db, { email: 'guess@example.com', name: 'G', role: 'agent', password });
    const s = await signIn('guess@example.com');
    const next = 'a brand new passphrase';
    const statuses: number[] = [];
    for (let i = 0; i < 11; i++) {
      const res = await post(s, '/app/account/password', {
        current: `wrong guess number ${i}`,
        next,
        again: next,
      });
      statuses.push(res.status);
    }
    expect(statuses).toEqual([...Array(10).fill(400), 429]);
    expect(await authenticate(deps.db, 'guess@example.com', password)).not.toBeNull();
  });

  it('signed out, the page leads to sign in and the form is refused', async () => {
    const page = await app.request('/app/account');
    expect(page.status).toBe(303);
    const form = await app.request('/app/account/password', {
      method: 'POST',
      body: new URLSearchParams({}),
    });
    expect(form.status).toBe(401);
  });
});

describe('the audit listing', () => {
  it('shows who changed whom, with ids and roles only', async () => {
    const admin = await signIn('root@example.com');
    const res = await app.request(
      '/api/audit/actions?action=user_enabled,user_password_reset,user_role_changed,user_password_changed',
      { headers: { cookie: admin.cookie } },
    );
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      items: { action: string; actor: { id: string | null }; details: Record<string, unknown> }[];
    };
    const moId = await idOf('mo@example.com');
    expect(body.items).toContainEqual(
      expect.objectContaining({
        action: 'user_role_changed',
        actor: expect.objectContaining({ kind: 'user', id: 'root@example.com', name: 'Rita' }),
        details: { userId: moId, from: 'manager', to: 'admin' },
      }),
    );
    expect(new Set(body.items.map((i) => i.action))).toEqual(
      new Set([
        'user_enabled',
        'user_password_reset',
        'user_role_changed',
        'user_password_changed',
      ]),
    );
    expect(JSON.stringify(body)).not.toMatch(/password"|passphrase|argon2/);
  });
});
