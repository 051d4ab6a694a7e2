import { describe, expect, it } from 'vitest';
import { createUser } from '../../../src/auth/users.js';
import { getArticle } from '../../../src/db/queries/kb.js';
import { processKbIndexJob } from '../../../src/kb/jobs.js';
import { searchKnowledgeBase } from '../../../src/kb/search.js';
import { pendingKbJobs } from '../../kb/support/kb.js';
import { fileTestApp } from '../../support/fixtures.js';
import { signInOverHttp } from '../../support/sign-in.js';

// The knowledge-base pages (/app/kb): agents read, managers write, edit, delete and import.
const { deps, app } = await fileTestApp();
const password = 'p'.repeat(14);
await createUser(deps.db, { email: 'mia@example.com', name: 'Mia', role: 'manager', password });
await createUser(deps.db, { email: 'al@example.com', name: 'Al', role: 'agent', password });
const manager = await signInOverHttp(app, deps.db, 'mia@example.com', password);
const agent = await signInOverHttp(app, deps.db, 'al@example.com', password);

const page = (url: string, who = manager) => app.request(url, { headers: { cookie: who.cookie } });

function post(url: string, fields: Record<string, string>, who = manager) {
  return app.request(url, {
    method: 'POST',
    headers: { cookie: who.cookie, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ _csrf: who.csrf, ...fields }).toString(),
  });
}

/** What the kb-index worker does with the jobs a save queued. */
async function indexQueued() {
  for (const job of await pendingKbJobs(deps.db)) {
    await processKbIndexJob(deps, job.payload as { articleId: string });
  }
}

const search = async (query: string) =>
  (await searchKnowledgeBase(deps.db, { query }, { embedders: deps.embedders })).passages;

const article = {
  title: 'Gift wrapping',
  body: 'Gift wrapping costs 3 euros and is chosen at checkout, per item.',
  format: 'markdown',
  url: 'https://help.example.com/gift-wrap',
  language: 'en',
};

describe('the knowledge-base pages', () => {
  let id = '';

  it('a manager writes an article: it is listed, and searchable once indexed', async () => {
    const empty = await page('/app/kb');
    expect(empty.status).toBe(200);
    expect(await empty.text()).toContain('No articles yet: write one');

    const created = await post('/app/kb/new', article);
    expect(created.status).toBe(303);
    const location = created.headers.get('location') ?? '';
    expect(location).toMatch(/^\/app\/kb\/[0-9a-f-]{36}\?notice=created$/);
    id = location.slice('/app/kb/'.length, location.indexOf('?'));
    const shown = await (await page(location)).text();
    expect(shown).toContain('Article created');
    expect(shown).toContain('Being indexed');

    await indexQueued();
    expect((await search('gift wrapping checkout'))[0]?.articleId).toBe(id);
    const list = await (await page('/app/kb')).text();
    expect(list).toContain('Gift wrapping');
    expect(list).toContain('1 article');
    expect(list).not.toContain('being indexed');
  });

  it('refuses a form without a title or with a bad URL, keeping what was typed', async () => {
    const noTitle = await post('/app/kb/new', { ...article, title: ' ' });
    expect(noTitle.status).toBe(400);
    const text = await noTitle.text();
    expect(text).toContain('The article needs a title.');
    expect(text).toContain('Gift wrapping costs 3 euros');
    const badUrl = await post('/app/kb/new', { ...article, url: 'javascript:alert(1)' });
    expect(badUrl.status).toBe(400);
    expect(await badUrl.text()).toContain('The URL must be an http(s) address.');
  });

  it('searches titles and bodies as typed, LIKE wildcards included literally', async () => {
    await post('/app/kb/new', {
      ...article,
      title: 'Discount codes',
      body: 'Codes give 10% off, once per order.',
      url: '',
    });
    const hit = await (await page('/app/kb?q=checkout')).text();
    expect(hit).toContain('Gift wrapping');
    expect(hit).not.toContain('Discount codes');
    const percent = await (await page(`/app/kb?q=${encodeURIComponent('10%')}`)).text();
    expect(percent).toContain('Discount codes');
    expect(percent).not.toContain('Gift wrapping');
    // "%" alone matches only text with a percent sign, not everything.
    const literal = await (await page(`/app/kb?q=${encodeURIComponent('%')}`)).text();
    expect(literal).not.toContain('Gift wrapping');
    expect(await (await page('/app/kb?q=nothing-like-this')).text()).toContain(
      'No article matches',
    );
    // A page past the last (an old link after deletions) says so, not "no articles yet".
    expect(await (await page('/app/kb?page=9')).text()).toContain(
      'No articles on this page: the list has 1 page.',
    );
  });

  it('a manager edits an article: saved, re-indexed, the new text found', async () => {
    const form = await (await page(`/app/kb/${id}/edit`)).text();
    expect(form).toContain('Gift wrapping costs 3 euros');
    const saved = await post(`/app/kb/${id}/edit`, {
      ...article,
      body: 'Gift wrapping costs 4 euros since June and is chosen at checkout.',
    });
    expect(saved.status).toBe(303);
    expect(saved.headers.get('location')).toBe(`/app/kb/${id}?notice=saved`);
    await indexQueued();
    const hit = (await search('gift wrapping euros'))[0];
    expect(hit?.articleId).toBe(id);
    expect(hit?.text).toContain('4 euros');
    const again = await post(`/app/kb/${id}/edit`, {
      ...article,
      body: 'Gift wrapping costs 4 euros since June and is chosen at checkout.',
    });
    expect(again.headers.get('location')).toBe(`/app/kb/${id}?notice=unchanged`);
  });

  it('an agent reads the list and articles but cannot write, edit, delete or import', async () => {
    const list = await page('/app/kb', agent);
    expect(list.status).toBe(200);
    const listText = await list.text();
    expect(listText).toContain('Gift wrapping');
    expect(listText).not.toContain('Write an article');
    const shown = await (await page(`/app/kb/${id}`, agent)).text();
    expect(shown).toContain('Gift wrapping');
    expect(shown).not.toContain('data-testid="edit-article"');
    expect((await page('/app/kb/new', agent)).status).toBe(403);
    expect((await page(`/app/kb/${id}/edit`, agent)).status).toBe(403);
    expect((await post('/app/kb/new', article, agent)).status).toBe(403);
    expect((await post(`/app/kb/${id}/edit`, article, agent)).status).toBe(403);
    expect((await post(`/app/kb/${id}/delete`, {}, agent)).status).toBe(403);
    expect((await post('/app/kb/import', {}, agent)).status).toBe(403);
    expect(await getArticle(deps.db, id)).toBeDefined();
  });

  it('refuses a write without the session’s CSRF token', async () => {
    const res = await post(`/app/kb/${id}/delete`, { _csrf: 'forged' });
    expect(res.status).toBe(403);
    expect(await getArticle(deps.db, id)).toBeDefined();
  });

  it('imports uploaded files, indexed at once', async () => {
    const form = new FormData();
    form.set('_csrf', manager.csrf);
    form.append(
      'files',
      new File(
        ['# Store pickup\n\nOrders can be collected from any store after the pickup email.\n'],
        'store-pickup.md',
      ),
    );
    const res = await app.request('/app/kb/import', {
      method: 'POST',
      headers: { cookie: manager.cookie },
      body: form,
    });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('Imported: 1 new and 0 updated article(s), 1 indexed');
    expect((await search('collected pickup email'))[0]?.title).toBe('Store pickup');
    // Editing an imported article warns that the next import of its source replaces it.
    const pickup = (await search('collected pickup email'))[0]!;
    expect(await (await page(`/app/kb/${pickup.articleId}/edit`)).text()).toContain(
      'Importing that source again replaces it',
    );
  });

  it('an empty import is refused with a message, nothing changed', async () => {
    const form = new FormData();
    form.set('_csrf', manager.csrf);
    const res = await app.request('/app/kb/import', {
      method: 'POST',
      headers: { cookie: manager.cookie },
      body: form,
    });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('Choose at least one file to import.');
  });

  it('a manager deletes an article: gone from the list and from search at once', async () => {
    const res = await post(`/app/kb/${id}/delete`, {});
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/app/kb?notice=deleted');
    expect(await getArticle(deps.db, id)).toBeUndefined();
    expect((await search('gift wrapping euros')).some((p) => p.articleId === id)).toBe(false);
    const list = await (await page('/app/kb?notice=deleted')).text();
    expect(list).toContain('Article deleted');
    expect(list).not.toContain('Gift wrapping');
    expect((await page(`/app/kb/${id}`)).status).toBe(404);
    expect((await page(`/app/kb/${id}/edit`)).status).toBe(404);
  });
});
