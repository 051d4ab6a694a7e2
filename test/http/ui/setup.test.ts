import { describe, expect, it } from 'vitest';
import { auditActions } from '../../../src/audit/list.js';
import { listApiKeys } from '../../../src/db/queries/api-keys.js';
import { insertDraft } from '../../../src/db/queries/drafts.js';
import { findUserByEmail } from '../../../src/db/queries/users.js';
import { searchKnowledgeBase } from '../../../src/kb/search.js';
import { setupToken } from '../../../src/pipeline/first-run.js';
import { fileTestApp } from '../../support/fixtures.js';

const { deps, app } = await fileTestApp();

describe('first run', () => {
  let cookie = '';
  let csrf = '';

  it('no user: / → /app → /app/setup; the first admin needs the printed token, once', async () => {
    expect((await app.request('/')).headers.get('location')).toBe('/app');
    expect((await app.request('/app')).headers.get('location')).toBe('/app/setup');
    expect((await app.request('/app/login')).headers.get('location')).toBe('/app/setup');
    const token = await setupToken(deps);
    expect(token).toMatch(/^[\w-]{20,}$/);
    expect(await setupToken(deps)).toBe(token); // stable while setup is pending (every replica prints it)

    const post = (fields: Record<string, string>) =>
      app.request('/app/setup', { method: 'POST', body: new URLSearchParams(fields) });
    const wrong = await post({
      token: 'nope',
      email: 'boss@example.com',
      password: 'x'.repeat(14),
    });
    expect(wrong.status).toBe(403);
    expect(await wrong.text()).toContain('setup token is missing or wrong');
    const short = await post({ token: token!, email: 'boss@example.com', password: 'short' });
    expect(short.status).toBe(400);
    expect(await short.text()).toContain('password: at least 12 characters');

    const ok = await post({ token: token!, email: 'boss@example.com', password: 'x'.repeat(14) });
    expect(ok.status).toBe(303);
    expect(ok.headers.get('location')).toBe('/app/welcome');
    const boss = await findUserByEmail(deps.db, 'boss@example.com');
    expect(boss?.role).toBe('admin');
    // The audit listing says the setup page made this account.
    const audit = await auditActions(deps.db, { actions: ['user_created'], limit: 10 });
    expect(audit.items.map((a) => [a.details.userId, a.actor])).toEqual([
      [boss!.id, { kind: 'system', id: 'setup', name: null }],
    ]);
    cookie = /dp_session=[^;]+/.exec(ok.headers.get('set-cookie') ?? '')![0];
    // Done: the token is gone and the page sends people to sign in.
    expect(await setupToken(deps)).toBeNull();
    expect((await app.request('/app/setup')).headers.get('location')).toBe('/app/login');
    const again = await post({
      token: token!,
      email: 'second@example.com',
      password: 'y'.repeat(14),
    });
    expect(again.status).toBe(403);

    const welcome = await (await app.request('/app/welcome', { headers: { cookie } })).text();
    expect(welcome).toContain('http://localhost:3000/webhooks/zendesk');
    expect(welcome).toContain('ZENDESK_WEBHOOK_SECRETS');
    // No knowledge base yet: the test ticket step says to import articles first.
    expect(welcome).toContain('Your knowledge base has no articles yet: import them first');
    csrf = /name="_csrf" value="([^"]+)"/.exec(welcome)![1]!;
  });

  it('the knowledge-base upload imports Markdown and CSV through kb import: searchable at once', async () => {
    const form = new FormData();
    form.set('_csrf', csrf);
    form.append(
      'files',
      new File(['# Gift cards\n\nGift cards never expire and can be used online.\n'], 'gift.md'),
    );
    form.append(
      'files',
      new File(
        ['title,body\nLoyalty points,"Points are credited 14 days after delivery."\n'],
        'faq.csv',
      ),
    );
    const res = await app.request('/app/welcome/kb', {
      method: 'POST',
      headers: { cookie },
      body: form,
    });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('Knowledge base: 2 new and 0 updated article(s), 2 indexed');
    const hits = await searchKnowledgeBase(
      deps.db,
      { query: 'loyalty points credited' },
      { embedders: deps.embedders },
    );
    expect(hits.passages[0]?.title).toBe('Loyalty points');

    const bad = new FormData();
    bad.set('_csrf', csrf);
    bad.append('files', new File(['x'], 'notes.docx'));
    const refused = await app.request('/app/welcome/kb', {
      method: 'POST',
      headers: { cookie },
      body: bad,
    });
    expect(refused.status).toBe(400);
    expect(await refused.text()).toContain('notes.docx: not a knowledge-base file');
  });

  it('invite creates a teammate with a password shown once; a test ticket goes to intake', async () => {
    const invite = await app.request('/app/welcome/invite', {
      method: 'POST',
      headers: { cookie },
      body: new URLSearchParams({ _csrf: csrf, email: 'ana@example.com', role: 'agent' }),
    });
    expect(invite.status).toBe(200);
    expect(await invite.text()).toMatch(/Created ana@example.com \(agent\).*shown once: \S{12,}/);
    expect((await findUserByEmail(deps.db, 'ana@example.com'))?.role).toBe('agent');

    // The admin's own question, typed in the form.
    const sent = await app.request('/app/welcome/test-ticket', {
      method: 'POST',
      headers: { cookie },
      body: new URLSearchParams({
        _csrf: csrf,
        subject: 'Where is my parcel?',
        body: 'It was due on Monday and has not arrived.',
      }),
    });
    expect(sent.status).toBe(303);
    const page = await (
      await app.request(sent.headers.get('location')!, { headers: { cookie } })
    ).text();
    expect(page).toContain('<h1>Where is my parcel?</h1>');
    expect(page).toContain('Received through intake ✓');
    // Without workers in this test the page keeps refreshing itself until triage and the draft.
    expect(page).toContain('http-equiv="refresh"');
    // The key that owns the test ticket is not left behind as a live credential.
    const keys = await listApiKeys(deps.db);
    expect(keys.filter((k) => k.name === 'first-run test ticket' && !k.revokedAt)).toEqual([]);

    // With no article that answers it (no knowledge base yet), the draft abstains: the page says
    // why and where the ticket waits, and does not call the holding reply "the draft".
    const ticketId = sent.headers.get('location')!.split('/').at(-1)!;
    await insertDraft(deps.db, {
      ticketId,
      kind: 'no_answer',
      state: 'abstained',
      bodyText: 'Hi Test,\n\nA member of our team will look into this.',
      reason: 'No knowledge-base article answers this with enough confidence',
      model: 'extractive-v2',
    });
    const abstained = await (
      await app.request(sent.headers.get('location')!, { headers: { cookie } })
    ).text();
    expect(abstained).toContain(
      'Drafted ✓ — no answer found: No knowledge-base article answers this with enough confidence',
    );
    expect(abstained).not.toContain('pending approval');
    expect(abstained).toContain('href="/app/tickets?view=needs_human"');
    expect(abstained).toContain('The holding reply (it does not answer the question)');
    // The knowledge base has articles (imported above): the page does not say to import one.
    expect(abstained).toContain('No article of your knowledge base answers this question');
    expect(abstained).not.toContain('import it (step 2');
  });

  it('invite refuses a team nobody uses (a typo) unless it is marked new, naming the known ones', async () => {
    const invite = (fields: Record<string, string>) =>
      app.request('/app/welcome/invite', {
        method: 'POST',
        headers: { cookie },
        body: new URLSearchParams({ _csrf: csrf, role: 'agent', ...fields }),
      });
    const page = await (await app.request('/app/welcome', { headers: { cookie } })).text();
    expect(page).toContain('<option value="billing">'); // a routing rule's team, offered
    const typo = await invite({ email: 'typo@example.com', team: 'biling' });
    expect(typo.status).toBe(400);
    expect(await typo.text()).toMatch(/Unknown team: biling \(known: [^)]*billing/);
    expect(await findUserByEmail(deps.db, 'typo@example.com')).toBeNull();

    expect((await invite({ email: 'known@example.com', team: 'billing' })).status).toBe(200);
    expect((await findUserByEmail(deps.db, 'known@example.com'))?.teamId).toBe('billing');
    const fresh = await invite({ email: 'fresh@example.com', team: 'vip-desk', newTeam: 'yes' });
    expect(fresh.status).toBe(200);
    expect((await findUserByEmail(deps.db, 'fresh@example.com'))?.teamId).toBe('vip-desk');
  });

  it('the checklist is for admins; a form post without the CSRF token is refused', async () => {
    const res = await app.request('/app/welcome/test-ticket', {
      method: 'POST',
      headers: { cookie },
      body: new URLSearchParams({}),
    });
    expect(res.status).toBe(403);
  });
});
