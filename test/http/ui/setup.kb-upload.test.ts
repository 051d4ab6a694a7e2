import { describe, expect, it } from 'vitest';
import { createUser } from '../../../src/auth/users.js';
import { searchKnowledgeBase } from '../../../src/kb/search.js';
import { fileTestApp } from '../../support/fixtures.js';
import { signInOverHttp } from '../../support/sign-in.js';

// The checklist's knowledge-base upload (POST /app/welcome/kb → importUploadedKb) for the formats
// setup.test.ts does not cover: HTML, JSONL and a Zendesk Help Center export.
const { deps, app } = await fileTestApp();
const password = 'p'.repeat(14);
await createUser(deps.db, { email: 'admin@example.com', name: 'Admin', role: 'admin', password });
const admin = await signInOverHttp(app, deps.db, 'admin@example.com', password);

async function upload(name: string, content: string) {
  const form = new FormData();
  form.set('_csrf', admin.csrf);
  form.append('files', new File([content], name));
  const res = await app.request('/app/welcome/kb', {
    method: 'POST',
    headers: { cookie: admin.cookie },
    body: form,
  });
  return { status: res.status, text: await res.text() };
}

const search = async (query: string) =>
  (await searchKnowledgeBase(deps.db, { query }, { embedders: deps.embedders })).passages;

describe('the checklist: knowledge-base upload', () => {
  it('an HTML page: titled by its <h1>, its text (not its markup) searchable at once', async () => {
    const res = await upload(
      'warranty.html',
      '<!doctype html><html><head><title>Help</title></head><body>' +
        '<h1>Warranty claims</h1><p>Every kettle carries a <strong>two year</strong> warranty; ' +
        'send the serial number with your claim.</p></body></html>',
    );
    expect(res.status).toBe(200);
    expect(res.text).toContain('Knowledge base: 1 new and 0 updated article(s), 1 indexed');
    const hits = await search('kettle warranty serial number');
    expect(hits[0]?.title).toBe('Warranty claims');
    expect(hits[0]?.text).toContain('two year warranty');
    expect(hits[0]?.text).not.toContain('<strong>');
  });

  it('JSONL: one article per line, ids, urls and tags kept', async () => {
    const lines = [
      {
        id: 'gift-wrap',
        title: 'Gift wrapping',
        body: 'Gift wrapping costs 3 euros and is chosen at checkout.',
        url: 'https://help.example.com/gift-wrap',
        tags: ['checkout'],
      },
      {
        id: 'store-pickup',
        title: 'Store pickup',
        body: '<p>Orders can be collected from any store after the pickup email arrives.</p>',
      },
    ];
    const res = await upload(
      'articles.jsonl',
      `${lines.map((l) => JSON.stringify(l)).join('\n')}\n`,
    );
    expect(res.status).toBe(200);
    expect(res.text).toContain('Knowledge base: 2 new and 0 updated article(s), 2 indexed');
    const wrap = (await search('gift wrapping checkout'))[0];
    expect(wrap).toMatchObject({
      title: 'Gift wrapping',
      externalId: 'gift-wrap',
      url: 'https://help.example.com/gift-wrap',
      tags: ['checkout'],
    });
    expect((await search('collected pickup email'))[0]?.title).toBe('Store pickup');
  });

  it('a Zendesk Help Center export (.json): published articles per locale, drafts skipped', async () => {
    const exported = {
      articles: [
        {
          id: 360001,
          title: 'Changing your delivery address',
          body: '<p>The delivery address can be changed until the parcel is dispatched.</p>',
          html_url: 'https://acme.zendesk.com/hc/en-us/articles/360001',
          label_names: ['shipping'],
          locale: 'en-us',
          draft: false,
          author_id: 42,
        },
        {
          id: 360002,
          title: 'Unpublished voucher policy',
          body: '<p>Zebra vouchers are a secret draft nobody should quote.</p>',
          locale: 'en-us',
          draft: true,
        },
      ],
      page: 1,
      next_page: null,
    };
    const res = await upload('help-center.json', JSON.stringify(exported));
    expect(res.status).toBe(200);
    expect(res.text).toContain('Knowledge base: 1 new and 0 updated article(s), 1 indexed');
    const hit = (await search('change delivery address dispatched'))[0];
    expect(hit).toMatchObject({
      title: 'Changing your delivery address',
      externalId: '360001:en-us',
      url: 'https://acme.zendesk.com/hc/en-us/articles/360001',
      tags: ['shipping'],
    });
    expect((await search('zebra vouchers')).map((p) => p.title)).not.toContain(
      'Unpublished voucher policy',
    );

    // Uploaded again (a newer export): the article is updated in place, not duplicated.
    exported.articles[0]!.body =
      '<p>The delivery address can be changed until dispatch, by chat.</p>';
    const again = await upload('help-center.json', JSON.stringify(exported));
    expect(again.text).toContain('Knowledge base: 0 new and 1 updated article(s)');
    const after = (await search('delivery address')).filter((p) => p.externalId === '360001:en-us');
    expect(new Set(after.map((p) => p.articleId)).size).toBe(1);
    expect(after[0]?.text).toContain('by chat');
  });

  it('a .json that is not a Help Center export is refused, naming the file, nothing imported', async () => {
    const res = await upload('settings.json', JSON.stringify({ theme: 'dark' }));
    expect(res.status).toBe(400);
    expect(res.text).toContain('Nothing imported');
    expect(res.text).toContain('settings.json');
  });
});
