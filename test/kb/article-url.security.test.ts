import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { createApiKey } from '../../src/auth/api-keys.js';
import { createUser } from '../../src/auth/users.js';
import { insertArticle } from '../../src/db/queries/kb.js';
import { normalizeArticle } from '../../src/kb/article.js';
import { createTestDeps, type TestDeps } from '../support/deps.js';
import { signInOverHttp } from '../support/sign-in.js';

/** Finding 6: only web links for KB articles; script and data URLs are refused and never linked. */
let deps: TestDeps;
let app: ReturnType<typeof createApp>;
let manager: string;
const HOSTILE = [
  'javascript:alert(document.cookie)',
  'JavaScript:alert(1)',
  ' javascript:alert(1)',
  'data:text/html,<script>alert(1)</script>',
  'vbscript:msgbox(1)',
  'file:///etc/passwd',
];

beforeAll(async () => {
  deps = await createTestDeps();
  app = createApp(deps);
  manager = (await createApiKey(deps.db, { name: 'kb', role: 'manager' })).key;
});
afterAll(() => deps.cleanup());

const post = (url: string) =>
  app.request('/api/kb/articles', {
    method: 'POST',
    headers: { authorization: `Bearer ${manager}`, 'content-type': 'application/json' },
    body: JSON.stringify({ title: 'Refunds', body: 'How refunds work.', url }),
  });

describe('KB article links', () => {
  it.each(HOSTILE)('the API refuses url=%j with a 400 naming the field', async (url) => {
    const res = await post(url);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { message: string } }).error.message).toContain('url');
  });

  it('the API accepts an https link', async () => {
    expect((await post('https://help.example.com/refunds')).status).toBeLessThan(300);
  });

  it.each(HOSTILE)('an import drops url=%j', (url) => {
    const article = normalizeArticle({
      externalId: 'x',
      title: 't',
      body: 'b',
      format: 'markdown',
      url,
      tags: [],
      language: 'en',
      product: null,
    });
    expect(article.url).toBeNull();
  });

  it('an article stored with a script link before the fix is shown without the link', async () => {
    const article = await insertArticle(deps.db, {
      source: 'api',
      externalId: 'old-1',
      title: 'Old article',
      body: 'Body',
      format: 'text',
      url: 'javascript:alert(1)',
      contentHash: 'h',
    } as Parameters<typeof insertArticle>[1]);
    await createUser(deps.db, {
      email: 'a@example.com',
      name: 'A',
      role: 'agent',
      password: 'a long enough password',
    });
    const s = await signInOverHttp(app, deps.db, 'a@example.com', 'a long enough password');
    const page = await app.request(`/app/kb/${article.id}`, { headers: { cookie: s.cookie } });
    expect(page.status).toBe(200);
    expect(await page.text()).not.toContain('javascript:');
  });
});
