import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kbImport } from '../../src/cli/commands/kb-import.js';
import { articleContentHash, normalizeArticle } from '../../src/kb/article.js';
import { textConfigFor } from '../../src/kb/language.js';
import { searchKnowledgeBase } from '../../src/kb/search.js';
import { parseArticlesCsv } from '../../src/kb/sources/csv.js';
import { readArticleFolder } from '../../src/kb/sources/folder.js';
import { parseArticlesJsonl } from '../../src/kb/sources/jsonl.js';
import { parseZendeskArticles } from '../../src/kb/sources/zendesk.js';
import { HashedEmbedder } from '../../src/models/embedder/hashed.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';

const helpCenterExport = {
  articles: [
    {
      id: 360001234567,
      title: 'Change your delivery address',
      body: '<p>You can change the address until the parcel ships.</p><h2>After shipping</h2><ol><li>Contact the carrier</li><li>Give them your tracking number</li></ol>',
      html_url: 'https://acme.zendesk.com/hc/en-us/articles/360001234567',
      label_names: ['shipping', 'address'],
      locale: 'en-us',
      draft: false,
      section_id: 1,
    },
    {
      id: 360001234567,
      title: 'Lieferadresse ändern',
      body: '<p>Sie können die Adresse ändern, bis das Paket versendet wird.</p>',
      html_url: 'https://acme.zendesk.com/hc/de/articles/360001234567',
      label_names: ['shipping'],
      locale: 'de',
      draft: false,
    },
    { id: 99, title: 'Unpublished', body: '<p>Secret</p>', locale: 'en-us', draft: true },
  ],
  next_page: null,
};

describe('article sources', () => {
  it('reads a Help Center export: HTML bodies, labels as tags, locales, drafts skipped', () => {
    const articles = parseZendeskArticles(helpCenterExport);
    expect(articles.map((a) => [a.externalId, a.language, a.tags])).toEqual([
      ['360001234567:en-us', 'en-us', ['shipping', 'address']],
      ['360001234567:de', 'de', ['shipping']],
    ]);
    expect(articles[0]).toMatchObject({
      format: 'html',
      url: helpCenterExport.articles[0]!.html_url,
    });
    expect(() => parseZendeskArticles({ results: [] })).toThrow(/articles/);
  });

  it('reads JSONL and names the line of a bad record', () => {
    const good = parseArticlesJsonl(
      '{"id":1,"title":"A","body":"<p>x</p>"}\n\n{"id":"b","title":"B","body":"# B\\ntext","tags":["t"],"language":"fr"}',
    );
    expect(good.map((a) => [a.externalId, a.format, a.language])).toEqual([
      ['1', 'html', null],
      ['b', 'markdown', 'fr'],
    ]);
    expect(() =>
      parseArticlesJsonl('{"id":1,"title":"A","body":"x"}\n{"id":2,"body":"x"}', 'kb.jsonl'),
    ).toThrow('kb.jsonl:2: title');
    expect(() => parseArticlesJsonl('not json', 'kb.jsonl')).toThrow(/kb.jsonl:1: invalid JSON/);
  });

  it('reads a CSV of title and body (ids from the file name and row when absent), naming a bad row', () => {
    const articles = parseArticlesCsv(
      'title,body,id\nGift cards,"Never expire, ever.",gc-1\nRefunds,<p>Within <b>5</b> days</p>,\n',
      'faq.csv',
    );
    expect(articles.map((a) => [a.externalId, a.title, a.format])).toEqual([
      ['gc-1', 'Gift cards', 'markdown'],
      ['faq.csv:2', 'Refunds', 'html'],
    ]);
    expect(() => parseArticlesCsv('title\nNo body\n', 'faq.csv')).toThrow(
      'faq.csv:2: needs the columns title and body',
    );
  });

  it('maps languages to Postgres text-search configurations', () => {
    expect(textConfigFor('en-US')).toBe('english');
    expect(textConfigFor('pt_BR')).toBe('portuguese');
    expect(textConfigFor('de')).toBe('german');
    expect(textConfigFor('ja')).toBe('simple');
    expect(textConfigFor(null)).toBe('english');
  });

  it('hashes content, not formatting of metadata', () => {
    const base = { externalId: 'x', title: 'T', body: 'B', format: 'text' as const };
    const hash = (a: Parameters<typeof normalizeArticle>[0]) =>
      articleContentHash(normalizeArticle(a));
    expect(hash({ ...base, tags: ['b', 'a', 'a'] })).toBe(hash({ ...base, tags: ['a', 'b'] }));
    expect(hash({ ...base, language: 'EN-us' })).toBe(hash({ ...base, language: 'en' }));
    expect(hash({ ...base, body: 'B!' })).not.toBe(hash(base));
  });
});

describe('importing files', () => {
  let dir: string;
  let database: TestDatabase;
  const embedder = new HashedEmbedder();
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'kb-sources-'));
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await database?.destroy();
    await rm(dir, { recursive: true, force: true });
  });

  it('takes titles from front matter, the first heading or the file name, and skips dot-folders', async () => {
    await writeFile(
      path.join(dir, 'billing.md'),
      '---\ntitle: Billing FAQ\ntags: [billing, faq]\nproduct: web\n---\nBody.',
    );
    await writeFile(path.join(dir, 'reset_password.md'), 'No heading here.');
    await writeFile(
      path.join(dir, 'notes.txt'),
      'Not a title line because there is no blank line\nafter it.',
    );
    await mkdir(path.join(dir, '.git'), { recursive: true });
    await writeFile(path.join(dir, '.git', 'HEAD.md'), '# ignored');
    const articles = await readArticleFolder(dir);
    expect(articles.map((a) => [a.externalId, a.title])).toEqual([
      ['billing.md', 'Billing FAQ'],
      ['notes.txt', 'Notes'],
      ['reset_password.md', 'Reset password'],
    ]);
    expect(articles[0]).toMatchObject({ tags: ['billing', 'faq'], product: 'web' });
  });

  it('imports a Help Center export and searches each locale with its own stemming', async () => {
    const file = path.join(dir, 'help-center.json');
    await writeFile(file, JSON.stringify(helpCenterExport));
    const report = await kbImport(database.db, file, { embedder });
    expect(report).toMatchObject({ kind: 'zendesk', created: 2, indexed: 2 });
    const de = await searchKnowledgeBase(
      database.db,
      { query: 'Adresse geändert versenden', limit: 1, mode: 'lexical' },
      { embedders: [embedder] },
    );
    expect(de.passages[0]).toMatchObject({ externalId: '360001234567:de', language: 'de' });
    const en = await searchKnowledgeBase(
      database.db,
      { query: 'give the carrier my tracking number', limit: 1, filters: { tags: ['address'] } },
      { embedders: [embedder] },
    );
    expect(en.passages[0]).toMatchObject({ section: 'After shipping', language: 'en' });
  });
});
