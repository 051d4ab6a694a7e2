import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../../src/auth/api-keys.js';
import { createUser } from '../../../src/auth/users.js';
import { getDraft } from '../../../src/db/queries/drafts.js';
import { listTicketEvents } from '../../../src/db/queries/tickets.js';
import { rowsOf } from '../../../src/db/rows.js';
import {
  apiRequest,
  fileTestMailApp,
  PASSWORD_QUESTION,
  runPendingDeliveries,
  seedDraftedTicket,
} from '../../support/fixtures.js';
import { signInOverHttp } from '../../support/sign-in.js';
import { parseReceived } from '../../support/smtp-server.js';
import { seedEmailTicket } from '../../support/tickets.js';

/**
 * Agent collision (two agents answering one ticket: the second is told who replied first and
 * may send anyway) and the scope of Undo (only the reply's author or approver, or a manager) —
 * through the API and the ticket page, against real Postgres and an SMTP server.
 */
const { deps, app, smtp } = await fileTestMailApp({ SEND_DELAY_SECONDS: '30' }, { sampleKb: true });
const agents = {} as Record<'ana' | 'ben' | 'boss', { key: string; id: string }>;
const password = 'correct horse battery staple';

interface ReplyAnswer {
  draft: { id: string; status: string };
}

const call = (
  who: keyof typeof agents,
  method: string,
  url: string,
  body?: unknown,
  headers: Record<string, string> = {},
) => apiRequest(app, agents[who].key, method, url, body, headers);

const reply = (
  who: keyof typeof agents,
  ticketId: string,
  body: { text: string; seenAt?: string; force?: boolean },
) =>
  call(who, 'POST', `/api/tickets/${ticketId}/replies`, body, {
    'idempotency-key': randomUUID(),
  });

const errorOf = async (res: Response) =>
  ((await res.json()) as { error: { code: string; message: string } }).error;

/** A password question with a pending Deskpilot draft, written by the real triage and draft steps. */
const passwordDraft = (from: string) => seedDraftedTicket(deps, { ...PASSWORD_QUESTION, from });

/** What the workers do once every undo window has ended: each pending `deliver` row, once. */
const windowsEndAndWorkersRun = () => runPendingDeliveries(deps);

const mailTo = (address: string) =>
  smtp.received.filter((m) => m.envelope.rcptTo.includes(address));

const manualCount = async (ticketId: string) =>
  rowsOf<{ n: number }>(
    await deps.db.execute(
      sql`select count(*)::int as n from drafts where ticket_id = ${ticketId} and kind = 'manual'`,
    ),
  )[0]!.n;

beforeAll(async () => {
  for (const [name, role] of [
    ['ana', 'agent'],
    ['ben', 'agent'],
    ['boss', 'manager'],
  ] as const) {
    const { key, record } = await createApiKey(deps.db, { name, role });
    agents[name] = { key, id: record.id };
  }
});

describe('agent collision through the API', () => {
  it('the second agent is refused with 409 naming the first; force sends anyway; both go', async () => {
    const { ticketId } = await seedEmailTicket(deps.db, { from: 'collide@example.net' });
    const seenAt = new Date(Date.now() - 1000).toISOString();
    expect((await reply('ana', ticketId, { text: 'From Ana.', seenAt })).status).toBe(201);

    const refused = await reply('ben', ticketId, { text: 'From Ben.', seenAt });
    expect(refused.status).toBe(409);
    const error = await errorOf(refused);
    expect(error.code).toBe('conflict');
    expect(error.message).toMatch(
      /^Not sent: API key “ana” replied \(still in its undo window\) \d+ s ago/,
    );
    expect(error.message).toContain('"force": true');
    expect(await manualCount(ticketId)).toBe(1);

    // Ana's own later reply is not a collision with herself.
    const own = await reply('ana', ticketId, { text: 'Ana again.', seenAt });
    expect(own.status).toBe(201);
    await call('ana', 'POST', `/api/drafts/${((await own.json()) as ReplyAnswer).draft.id}/undo`);

    const forced = await reply('ben', ticketId, { text: 'From Ben.', seenAt, force: true });
    expect(forced.status).toBe(201);
    const benDraft = ((await forced.json()) as ReplyAnswer).draft.id;
    const replied = (await listTicketEvents(deps.db, ticketId)).find(
      (e) => e.type === 'replied' && e.data.draftId === benDraft,
    );
    expect(replied?.data.collidedWith).toBeTruthy();

    expect(await windowsEndAndWorkersRun()).toBe(2);
    const texts = await Promise.all(
      mailTo('collide@example.net').map(async (m) => (await parseReceived(m)).text),
    );
    expect(texts.sort()).toEqual([
      expect.stringContaining('From Ana.'),
      expect.stringContaining('From Ben.'),
    ]);
  });

  it('a reply read after the colleague replied, or sent without seenAt (older clients), is not checked', async () => {
    const { ticketId } = await seedEmailTicket(deps.db, { from: 'collide-late@example.net' });
    expect((await reply('ana', ticketId, { text: 'Ana first.' })).status).toBe(201);
    const afterReading = new Date(Date.now() + 5).toISOString();
    await new Promise((r) => setTimeout(r, 10));
    expect(
      (await reply('ben', ticketId, { text: 'Ben read it.', seenAt: afterReading })).status,
    ).toBe(201);
    expect((await reply('ben', ticketId, { text: 'Ben, unchecked.' })).status).toBe(201);
    expect(await manualCount(ticketId)).toBe(3);
    expect(await windowsEndAndWorkersRun()).toBe(3);
  });

  it('a Deskpilot draft a colleague approved since: refused naming the approver, not retired', async () => {
    const { ticketId, draftId } = await passwordDraft('collide-ai@example.net');
    const seenAt = new Date(Date.now() - 1000).toISOString();
    expect((await call('ana', 'POST', `/api/drafts/${draftId}/approve`)).status).toBe(200);
    const refused = await reply('ben', ticketId, { text: 'Ben by hand.', seenAt });
    expect(refused.status).toBe(409);
    // The approver as people know it: the key's name, not its id.
    expect((await errorOf(refused)).message).toContain('API key “ana” replied');
    expect((await getDraft(deps.db, draftId))?.status).toBe('approved');
    expect(await windowsEndAndWorkersRun()).toBe(1);
    expect(mailTo('collide-ai@example.net')).toHaveLength(1);
  });

  it('two agents sending at the same moment: exactly one reply, the other refused', async () => {
    for (let round = 0; round < 6; round++) {
      const address = `collide-race-${round}@example.net`;
      const { ticketId } = await seedEmailTicket(deps.db, { from: address });
      const seenAt = new Date(Date.now() - 1000).toISOString();
      const answers = await Promise.all([
        reply('ana', ticketId, { text: `Ana, round ${round}.`, seenAt }),
        reply('ben', ticketId, { text: `Ben, round ${round}.`, seenAt }),
      ]);
      expect(answers.map((a) => a.status).sort()).toEqual([201, 409]);
      expect(await manualCount(ticketId)).toBe(1);
      await windowsEndAndWorkersRun();
      expect(mailTo(address)).toHaveLength(1);
    }
  });
});

describe('undo is for the reply’s author or approver (or a manager)', () => {
  it("a colleague's hand-written reply: 403 and it stands; a manager's undo works and is recorded as an override", async () => {
    const { ticketId } = await seedEmailTicket(deps.db, { from: 'undo-scope@example.net' });
    const res = await reply('ana', ticketId, { text: 'Ana replies.' });
    const draftId = ((await res.json()) as ReplyAnswer).draft.id;

    const refused = await call('ben', 'POST', `/api/drafts/${draftId}/undo`);
    expect(refused.status).toBe(403);
    expect((await errorOf(refused)).message).toBe(
      'Only API key “ana”, who wrote this reply, or a manager can undo it',
    );
    expect((await getDraft(deps.db, draftId))?.status).toBe('approved');

    expect((await call('boss', 'POST', `/api/drafts/${draftId}/undo`)).status).toBe(200);
    expect((await getDraft(deps.db, draftId))?.status).toBe('withdrawn');
    const undone = (await listTicketEvents(deps.db, ticketId)).find(
      (e) => e.type === 'approval_undone',
    );
    expect(undone?.actorId).toBe(agents.boss.id);
    expect(undone?.data.override).toEqual({ role: 'manager' });
    expect(await windowsEndAndWorkersRun()).toBe(0);
  });

  it("a colleague's approved Deskpilot draft: 403; its approver may undo it (no override recorded)", async () => {
    const { ticketId, draftId } = await passwordDraft('undo-scope-ai@example.net');
    expect((await call('ana', 'POST', `/api/drafts/${draftId}/approve`)).status).toBe(200);
    const refused = await call('ben', 'POST', `/api/drafts/${draftId}/undo`);
    expect(refused.status).toBe(403);
    expect((await errorOf(refused)).message).toContain('who approved this reply');
    expect((await getDraft(deps.db, draftId))?.status).toBe('approved');
    expect((await call('ana', 'POST', `/api/drafts/${draftId}/undo`)).status).toBe(200);
    const undone = (await listTicketEvents(deps.db, ticketId)).find(
      (e) => e.type === 'approval_undone',
    );
    expect(undone?.data.override).toBeUndefined();
  });
});

describe('the ticket page', () => {
  const signIn = async (email: string) => {
    await createUser(deps.db, { email, name: email, role: 'agent', password, teamId: null });
    return signInOverHttp(app, deps.db, email, password);
  };
  const page = async (session: { cookie: string }, url: string) => {
    const res = await app.request(url, { headers: { cookie: session.cookie } });
    return { status: res.status, html: await res.text() };
  };
  const field = (html: string, name: string) =>
    new RegExp(`name="${name}" value="([^"]+)"`).exec(html)?.[1] ?? '';
  const post = (session: { cookie: string; csrf: string }, url: string, fields: object) =>
    app.request(url, {
      method: 'POST',
      headers: { cookie: session.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: session.csrf, ...fields }).toString(),
    });

  it('one person is one author: a reply sent through /api with the session is theirs to undo on the page', async () => {
    const { ticketId } = await seedEmailTicket(deps.db, { from: 'same-person@example.net' });
    const cy = await signIn('cy.both@example.com');
    const sent = await app.request(`/api/tickets/${ticketId}/replies`, {
      method: 'POST',
      headers: {
        cookie: cy.cookie,
        'x-csrf-token': cy.csrf,
        'content-type': 'application/json',
        'idempotency-key': randomUUID(),
      },
      body: JSON.stringify({ text: 'Cy through the API.' }),
    });
    expect(sent.status).toBe(201);
    const draftId = ((await sent.json()) as ReplyAnswer).draft.id;
    expect((await getDraft(deps.db, draftId))?.decidedBy).toBe('cy.both@example.com');

    const url = `/app/tickets/${ticketId}`;
    expect((await page(cy, `${url}?undo=${draftId}`)).html).toContain(
      `/app/drafts/${draftId}/undo`,
    );
    const undo = await post(cy, `/app/drafts/${draftId}/undo`, { back: url });
    expect(undo.headers.get('location')).not.toContain('undo_forbidden');
    expect((await getDraft(deps.db, draftId))?.status).toBe('withdrawn');
  });

  it('the second agent sees who replied, their text kept, and can send anyway; Undo is only for the author', async () => {
    const { ticketId } = await seedEmailTicket(deps.db, { from: 'collide-ui@example.net' });
    const ana = await signIn('ana.ui@example.com');
    const ben = await signIn('ben.ui@example.com');
    const url = `/app/tickets/${ticketId}`;
    const anaPage = (await page(ana, url)).html;
    const benPage = (await page(ben, url)).html;
    expect(field(benPage, 'seenAt')).toMatch(/^\d{4}-\d\d-\d\dT/);

    const sent = await post(ana, `${url}/replies`, {
      text: 'Ana on the page.',
      idempotencyKey: field(anaPage, 'idempotencyKey'),
      seenAt: field(anaPage, 'seenAt'),
    });
    expect(sent.status).toBe(303);
    const undoOf = new URL(sent.headers.get('location')!, 'http://x').searchParams.get('undo')!;

    const form = {
      text: 'Ben on the page.',
      idempotencyKey: field(benPage, 'idempotencyKey'),
      seenAt: field(benPage, 'seenAt'),
    };
    const refused = await post(ben, `${url}/replies`, form);
    expect(refused.status).toBe(409);
    const html = await refused.text();
    expect(html).toMatch(/ana\.ui@example\.com replied \(still in its undo window\) \d+ s ago/);
    expect(html).toContain('data-testid="send-anyway"');
    expect(html).toContain('Ben on the page.</textarea>');
    expect(await manualCount(ticketId)).toBe(1);

    // Ben is not shown Ana's Undo, and cannot use it.
    expect((await page(ben, `${url}?undo=${undoOf}`)).html).not.toContain(
      `/app/drafts/${undoOf}/undo`,
    );
    expect((await page(ana, `${url}?undo=${undoOf}`)).html).toContain(`/app/drafts/${undoOf}/undo`);
    const undo = await post(ben, `/app/drafts/${undoOf}/undo`, { back: url });
    expect(undo.headers.get('location')).toContain('notice=undo_forbidden');
    expect((await getDraft(deps.db, undoOf))?.status).toBe('approved');

    const forced = await post(ben, `${url}/replies`, { ...form, force: '1' });
    expect(forced.status).toBe(303);
    expect(forced.headers.get('location')).toContain('notice=replied');
    expect(await manualCount(ticketId)).toBe(2);
  });
});
