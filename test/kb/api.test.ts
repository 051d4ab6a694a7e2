import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { createApiKey } from '../../src/auth/api-keys.js';
import { processKbIndexJob } from '../../src/kb/jobs.js';
import { activateEmbedder } from '../../src/kb/vector-index.js';
import { HashedEmbedder } from '../../src/models/embedder/hashed.js';
import { createTestDeps, type TestDeps } from '../support/deps.js';
import { pendingKbJobs } from './support/kb.js';

let deps: TestDeps;
let app: ReturnType<typeof createApp>;
let manager: string;
let agent: string;
const embedder = new HashedEmbedder();

beforeAll(async () => {
  deps = await createTestDeps();
  app = createApp(deps);
  manager = (await createApiKey(deps.db, { name: 'kb manager', role: 'manager' })).key;
  agent = (await createApiKey(deps.db, { name: 'kb agent', role: 'agent' })).key;
  await activateEmbedder(deps.db, embedder);
});
afterAll(() => deps?.cleanup());

const call = (method: string, path: string, key: string | null, body?: unknown) =>
  app.request(path, {
    method,
    headers: {
      ...(key ? { authorization: `Bearer ${key}` } : {}),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });

/** What the kb-index worker does with the jobs the API queued. */
async function runQueuedIndexJobs() {
  for (const job of await pendingKbJobs(deps.db)) {
    await processKbIndexJob(
      { db: deps.db, embedders: [embedder] },
      job.payload as { articleId: string },
    );
  }
}

const search = async (query: string, extra: Record<string, unknown> = {}) => {
  const res = await call('POST', '/api/kb/search', agent, { query, ...extra });
  expect(res.status).toBe(200);
  return (await res.json()) as {
    passages: {
      articleId: string;
      title: string;
      section: string;
      text: string;
      url: string | null;
    }[];
    model: string | null;
  };
};

describe('/api/kb', () => {
  let id: string;

  it('creates an article, queues its indexing and then finds it with citation fields', async () => {
    const res = await call('POST', '/api/kb/articles', manager, {
      externalId: 'returns-policy',
      title: 'Returns policy',
      body: '# Returns policy\n\n## Time limit\n\nItems can be returned within 30 days of delivery.',
      url: 'https://help.example.com/returns',
      tags: ['returns'],
    });
    expect(res.status).toBe(201);
    const article = (await res.json()) as { id: string; indexed: boolean; source: string };
    expect(article).toMatchObject({ indexed: false, source: 'api' });
    id = article.id;
    await runQueuedIndexJobs();
    const got = await call('GET', `/api/kb/articles/${id}`, agent);
    expect(((await got.json()) as { indexed: boolean }).indexed).toBe(true);

    const result = await search('how many days do I have to return an item?', {
      filters: { tags: ['returns'] },
    });
    expect(result.model).toBe(embedder.name);
    expect(result.passages[0]).toMatchObject({
      articleId: id,
      title: 'Returns policy',
      section: 'Time limit',
      url: 'https://help.example.com/returns',
    });
  });

  it('lists articles with a cursor', async () => {
    await call('POST', '/api/kb/articles', manager, { title: 'Second', body: 'Another one.' });
    const first = await call('GET', '/api/kb/articles?limit=1', agent);
    const page = (await first.json()) as { articles: { id: string }[]; nextCursor: string | null };
    expect(page.articles).toHaveLength(1);
    expect(page.nextCursor).toBe(page.articles[0]!.id);
    const second = await call('GET', `/api/kb/articles?limit=1&after=${page.nextCursor}`, agent);
    const next = (await second.json()) as { articles: { id: string }[]; nextCursor: string | null };
    expect(next.articles).toHaveLength(1);
    expect(next.articles[0]!.id).not.toBe(page.articles[0]!.id);
  });

  it('re-indexes on a content change only', async () => {
    const body = {
      externalId: 'returns-policy',
      title: 'Returns policy',
      body: '# Returns policy\n\n## Time limit\n\nItems can be returned within 60 days of delivery.',
      url: 'https://help.example.com/returns',
      tags: ['returns'],
    };
    const before = (await pendingKbJobs(deps.db)).length;
    const res = await call('PUT', `/api/kb/articles/${id}`, manager, body);
    expect(res.status).toBe(200);
    expect((await pendingKbJobs(deps.db)).length).toBe(before + 1);
    await call('PUT', `/api/kb/articles/${id}`, manager, body);
    expect((await pendingKbJobs(deps.db)).length).toBe(before + 1);
    await runQueuedIndexJobs();
    const result = await search('return within 60 days');
    expect(result.passages[0]?.text).toContain('60 days');
  });

  it('deletes an article and it leaves search results at once', async () => {
    expect((await call('DELETE', `/api/kb/articles/${id}`, manager)).status).toBe(204);
    expect((await call('GET', `/api/kb/articles/${id}`, agent)).status).toBe(404);
    const result = await search('return within 60 days');
    expect(result.passages.some((p) => p.articleId === id)).toBe(false);
    expect((await call('DELETE', `/api/kb/articles/${id}`, manager)).status).toBe(404);
  });

  it('documents the routes in the OpenAPI document', async () => {
    const res = await app.request('/openapi.json');
    expect(res.status).toBe(200);
    const doc = (await res.json()) as { paths: Record<string, Record<string, unknown>> };
    expect(Object.keys(doc.paths['/api/kb/articles/{id}'] ?? {}).sort()).toEqual([
      'delete',
      'get',
      'put',
    ]);
    expect(doc.paths['/api/kb/search']?.post).toBeDefined();
  });

  it('enforces roles and validates input with the error envelope', async () => {
    expect((await call('GET', '/api/kb/articles', null)).status).toBe(401);
    const forbidden = await call('POST', '/api/kb/articles', agent, { title: 'x', body: 'y' });
    expect(forbidden.status).toBe(403);
    const invalid = await call('POST', '/api/kb/search', agent, { query: '', limit: 500 });
    expect(invalid.status).toBe(400);
    const envelope = (await invalid.json()) as { error: { code: string; message: string } };
    expect(envelope.error.code).toBe('validation_failed');
    expect(envelope.error.message).toMatch(/query|limit/);
    const conflict = await call('POST', '/api/kb/articles', manager, {
      externalId: 'dup',
      title: 'Dup',
      body: 'x',
    });
    expect(conflict.status).toBe(201);
    const again = await call('POST', '/api/kb/articles', manager, {
      externalId: 'dup',
      title: 'Dup',
      body: 'x',
    });
    expect(again.status).toBe(409);
  });
});
