import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { createApp } from '../../../src/app.js';
import { createUser, resolveSession, startSession } from '../../../src/auth/users.js';
import { buildDeps, closeDeps } from '../../../src/build-deps.js';
import {
  deleteUserSessions,
  findUserByEmail,
  updateUserRole,
} from '../../../src/db/queries/users.js';
import { accessNow } from '../../../src/http/ui/inbox/events.js';
import { changeOwnPassword } from '../../../src/pipeline/people.js';
import { seedPendingDraft } from '../../support/drafts.js';
import { fileTestApp } from '../../support/fixtures.js';
import { signInOverHttp } from '../../support/sign-in.js';

/**
 * Disabling someone (or resetting their password, or changing their role) ends their open live
 * event streams at once, in every API process: two app instances over one database and one Redis
 * (as two `start:api` replicas), the admin acting on one and the agent's inbox streaming from the
 * other. Their next request gets the sign-in page.
 */
const { deps, app } = await fileTestApp();
// The second API process: its own Redis connections and live subscription, same store and prefix.
const otherDeps = await buildDeps(deps.config, {
  database: { ...deps.testDb, close: async () => {} },
  log: pino({ level: 'silent' }),
});
const other = createApp(otherDeps);
afterAll(() => closeDeps(otherDeps));

const password = 'a long enough password';
await createUser(deps.db, { email: 'root@example.com', name: 'Rita', role: 'admin', password });

type Session = Awaited<ReturnType<typeof signInOverHttp>>;

const post = (s: Session, to: string, fields: Record<string, string> = {}) =>
  app.request(to, {
    method: 'POST',
    headers: { cookie: s.cookie, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ _csrf: s.csrf, ...fields }).toString(),
  });

/** An open /app/events stream on the other process: what it sent so far, and whether it ended. */
async function openStream(cookie: string) {
  const res = await other.request('/app/events', { headers: { cookie } });
  expect(res.status).toBe(200);
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  const stream = { text: '', ended: false, endedAt: 0 };
  const pump = (async () => {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      stream.text += decoder.decode(value);
    }
    stream.ended = true;
    stream.endedAt = Date.now();
  })().catch(() => {
    stream.ended = true;
  });
  await waitUntil(() => stream.text.includes('event: ready'), 5_000);
  return { state: stream, done: pump, cancel: () => reader.cancel().catch(() => {}) };
}

async function waitUntil(check: () => boolean, ms: number) {
  const deadline = Date.now() + ms;
  while (!check() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  return check();
}

let n = 0;
/** A fresh agent, signed in, with an open stream; an admin session; a bystander's stream. */
async function scene(role: 'agent' | 'manager' = 'agent', teamId: string | null = null) {
  n++;
  const email = `agent${n}@example.com`;
  await createUser(deps.db, { email, name: `Agent ${n}`, role, password, teamId });
  await createUser(deps.db, { email: `by${n}@example.com`, name: 'By', role: 'agent', password });
  const agent = await signInOverHttp(app, deps.db, email, password);
  const admin = await signInOverHttp(app, deps.db, 'root@example.com', password);
  const bystander = await signInOverHttp(other, deps.db, `by${n}@example.com`, password);
  const id = (await findUserByEmail(deps.db, email))!.id;
  return {
    email,
    id,
    agent,
    admin,
    stream: await openStream(agent.cookie),
    bystanderStream: await openStream(bystander.cookie),
  };
}

describe('an open event stream ends when its person loses access', () => {
  it('disabled on one process: their stream on the other says signed-out and ends at once; next request → sign-in', async () => {
    const s = await scene();
    const started = Date.now();
    const res = await post(s.admin, `/app/people/${s.id}/disable`);
    expect(res.status).toBe(303);
    expect(await waitUntil(() => s.stream.state.ended, 3_000)).toBe(true);
    expect(s.stream.state.endedAt - started).toBeLessThan(2_000);
    expect(s.stream.state.text).toContain('event: signed-out');
    // Their next request, on either process, is sent to sign in.
    for (const instance of [app, other]) {
      const page = await instance.request('/app', { headers: { cookie: s.agent.cookie } });
      expect(page.status).toBe(303);
      expect(page.headers.get('location')).toMatch(/^\/app\/login\?next=/);
      const events = await instance.request('/app/events', { headers: { cookie: s.agent.cookie } });
      expect(events.status).toBe(303);
    }
    // Someone else's stream goes on, and was never told about it.
    expect(s.bystanderStream.state.ended).toBe(false);
    expect(s.bystanderStream.state.text).not.toContain(s.id);
    expect(s.bystanderStream.state.text).not.toContain('signed-out');
    // ...and still gets live updates.
    const { draft, ticketId } = await seedPendingDraft(deps.db, { subject: 'still live' });
    await deps.live.publish({ type: 'draft.created', draftId: draft.id, ticketId });
    expect(await waitUntil(() => s.bystanderStream.state.text.includes(draft.id), 3_000)).toBe(
      true,
    );
    await s.bystanderStream.cancel();
  });

  it('a password reset by an admin ends their stream the same way', async () => {
    const s = await scene();
    expect((await post(s.admin, `/app/people/${s.id}/reset-password`)).status).toBe(200);
    expect(await waitUntil(() => s.stream.state.ended, 3_000)).toBe(true);
    expect(s.stream.state.text).toContain('event: signed-out');
    expect(s.bystanderStream.state.ended).toBe(false);
    await s.bystanderStream.cancel();
  });

  it('a role change ends the stream without signing out; it reconnects under the new role', async () => {
    const s = await scene('manager', 'billing');
    const other2 = await seedPendingDraft(deps.db, { team: 'fulfilment', subject: 'other team' });
    expect((await post(s.admin, `/app/people/${s.id}/role`, { role: 'agent' })).status).toBe(303);
    expect(await waitUntil(() => s.stream.state.ended, 3_000)).toBe(true);
    expect(s.stream.state.text).not.toContain('signed-out');
    // Reconnected (as the browser does), the stream is a billing agent's: no other team's drafts.
    const again = await openStream(s.agent.cookie);
    await deps.live.publish({
      type: 'draft.created',
      draftId: other2.draft.id,
      ticketId: other2.ticketId,
    });
    const own = await seedPendingDraft(deps.db, { team: 'billing', subject: 'own team' });
    await deps.live.publish({
      type: 'draft.created',
      draftId: own.draft.id,
      ticketId: own.ticketId,
    });
    expect(await waitUntil(() => again.state.text.includes(own.draft.id), 3_000)).toBe(true);
    expect(again.state.text).not.toContain(other2.draft.id);
    await again.cancel();
    await s.bystanderStream.cancel();
  });

  it('changing their own password ends their other sessions’ streams, not the current one', async () => {
    const s = await scene();
    const second = await signInOverHttp(app, deps.db, s.email, password);
    const secondStream = await openStream(second.cookie);
    const kept = (await findUserByEmail(deps.db, s.email))!;
    // The first session changes the password.
    const current = await resolveSession(deps.db, s.agent.cookie.slice('dp_session='.length));
    await changeOwnPassword(
      deps,
      { userId: kept.id, email: kept.email, sessionId: current!.sessionId },
      { current: password, next: 'another long password' },
    );
    expect(await waitUntil(() => secondStream.state.ended, 3_000)).toBe(true);
    expect(secondStream.state.text).toContain('event: signed-out');
    expect(s.stream.state.ended).toBe(false);
    await s.stream.cancel();
    await s.bystanderStream.cancel();
  });
});

describe('the keep-alive check (a net for a missed event)', () => {
  it('tells a live session from an ended one or a changed role, without any event', async () => {
    const user = await createUser(deps.db, {
      email: 'quiet@example.com',
      name: 'Quiet',
      role: 'agent',
      password,
    });
    const { token } = await startSession(deps.db, user, 3_600_000);
    const opened = (await resolveSession(deps.db, token))!;
    expect(await accessNow(deps, token, opened)).toBe('ok');
    await updateUserRole(deps.db, user.id, 'manager');
    expect(await accessNow(deps, token, opened)).toBe('role');
    await deleteUserSessions(deps.db, user.id);
    expect(await accessNow(deps, token, opened)).toBe('signed_out');
    expect(await accessNow(deps, undefined, opened)).toBe('signed_out');
  });
});

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '../../..');

describe.skipIf(!deps.testDb.url)('from the command line', () => {
  it('`users disable` reaches the open stream through Redis', async () => {
    const s = await scene();
    await run(
      process.execPath,
      ['--import', 'tsx', 'src/cli/index.ts', 'users', 'disable', s.email],
      {
        cwd: root,
        env: {
          ...process.env,
          DATABASE_URL: deps.testDb.url ?? '',
          REDIS_URL: deps.config.REDIS_URL,
          QUEUE_PREFIX: deps.config.QUEUE_PREFIX,
          LOG_LEVEL: 'silent',
        },
        timeout: 60_000,
      },
    );
    expect(await waitUntil(() => s.stream.state.ended, 3_000)).toBe(true);
    expect(s.stream.state.text).toContain('event: signed-out');
    expect(s.bystanderStream.state.ended).toBe(false);
    await s.bystanderStream.cancel();
  }, 90_000);
});
