import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { createApiKey } from '../../src/auth/api-keys.js';
import { authenticate, createUser, startSession } from '../../src/auth/users.js';
import { insertDraft } from '../../src/db/queries/drafts.js';
import { listArticleGapTickets } from '../../src/db/queries/kb-gap-links.js';
import { createArticle } from '../../src/kb/articles.js';
import { knowledgeGaps } from '../../src/kb/gaps.js';
import { createTestDeps, type TestDeps } from '../support/deps.js';
import { seedEmailTicket } from '../support/tickets.js';

/**
 * Writing an article from a knowledge-base gap links it back to the tickets that revealed the
 * gap: the link is stored, the article shows its tickets, and they leave the gap report.
 */
const day = 86_400_000;
let deps: TestDeps;
let app: ReturnType<typeof createApp>;
let cookie = '';
let csrf = '';
let apiKey = '';

async function abstainedTicket(subject: string, body: string): Promise<string> {
  const { ticketId } = await seedEmailTicket(deps.db, { subject, body });
  await insertDraft(deps.db, {
    ticketId,
    kind: 'no_answer',
    state: 'abstained',
    bodyText: 'Hello',
    model: 'extractive-v2',
  });
  return ticketId;
}

beforeAll(async () => {
  deps = await createTestDeps();
  app = createApp(deps);
  const password = 'a long enough password';
  await createUser(deps.db, { email: 'm@example.com', name: 'Mia', role: 'manager', password });
  const user = await authenticate(deps.db, 'm@example.com', password);
  const session = await startSession(deps.db, user!, 3_600_000);
  cookie = `dp_session=${session.token}`;
  csrf = session.csrfToken;
  apiKey = (await createApiKey(deps.db, { name: 'manager', role: 'manager' })).key;
});
afterAll(() => deps.cleanup());

describe('articles written from a knowledge-base gap', () => {
  it('stores the link, and the linked tickets leave the gap report', async () => {
    const a = await abstainedTicket('Gift cards', 'Do you sell gift cards?');
    const b = await abstainedTicket(
      'Gift card for a friend',
      'Can I buy a gift card for a friend?',
    );
    const other = await abstainedTicket('Dark mode', 'Is there a dark mode in the mobile app?');
    const before = await knowledgeGaps(deps.db, { sinceMs: 30 * day });
    expect(before.tickets).toBe(3);

    const result = await createArticle(
      deps.db,
      {
        externalId: 'gift-cards',
        title: 'Gift cards',
        body: 'We sell gift cards.',
        format: 'text',
      },
      // An id that is no ticket (erased since the report) is skipped, not an error.
      { gapTicketIds: [a, b, '00000000-0000-4000-8000-000000000000'] },
    );
    expect(result.outcome).toBe('created');
    if (result.outcome !== 'created') return;
    expect(result.linkedTickets.sort()).toEqual([a, b].sort());
    const links = await listArticleGapTickets(deps.db, result.article.id);
    expect(links.map((l) => l.ticketId).sort()).toEqual([a, b].sort());

    const after = await knowledgeGaps(deps.db, { sinceMs: 30 * day });
    expect(after.tickets).toBe(1);
    expect(after.topics.flatMap((t) => t.ticketIds)).toEqual([other]);
  });

  it('a ticket that abstains again after the article was written is a gap again', async () => {
    const t = await abstainedTicket('Loyalty points', 'How do loyalty points work?');
    const result = await createArticle(
      deps.db,
      { externalId: 'points', title: 'Points', body: 'Points explained.', format: 'text' },
      { gapTicketIds: [t] },
    );
    expect(result.outcome).toBe('created');
    const ids = async () =>
      (await knowledgeGaps(deps.db, { sinceMs: 30 * day })).topics.flatMap((x) => x.ticketIds);
    expect(await ids()).not.toContain(t);
    // The customer asks again and the new draft still has no answer: the gap is open again.
    await new Promise((r) => setTimeout(r, 5));
    await insertDraft(deps.db, {
      ticketId: t,
      kind: 'no_answer',
      state: 'abstained',
      bodyText: 'Hello again',
      model: 'extractive-v2',
    });
    expect(await ids()).toContain(t);
  });

  it('POST /api/kb/articles links gapTicketIds and returns them', async () => {
    const t = await abstainedTicket('Engraving', 'Can you engrave my watch?');
    const res = await app.request('/api/kb/articles', {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ title: 'Engraving', body: 'We engrave watches.', gapTicketIds: [t] }),
    });
    expect(res.status).toBe(201);
    const article = (await res.json()) as { id: string; gapTicketIds: string[] };
    expect(article.gapTicketIds).toEqual([t]);
    const got = await app.request(`/api/kb/articles/${article.id}`, {
      headers: { authorization: `Bearer ${apiKey}` },
    });
    expect(((await got.json()) as { gapTicketIds: string[] }).gapTicketIds).toEqual([t]);
    const bad = await app.request('/api/kb/articles', {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ title: 'x', body: 'y', gapTicketIds: ['not-a-uuid'] }),
    });
    expect(bad.status).toBe(400);
  });

  it('the dashboard panel opens the article form; the article lists its tickets', async () => {
    const t1 = await abstainedTicket('Gift wrapping', 'Do you offer gift wrapping?');
    const t2 = await abstainedTicket('Wrapping a gift', 'Can my order be gift wrapped?');
    const dashboard = await (await app.request('/app/dashboard', { headers: { cookie } })).text();
    const form =
      /<form method="get" action="\/app\/dashboard\/gap-article">([\s\S]*?)<\/form>/.exec(
        dashboard.slice(dashboard.indexOf('wrap')),
      );
    expect(form).not.toBeNull();
    const tickets = /name="tickets" value="([^"]+)"/.exec(form![1]!)![1]!;
    expect(tickets.split(',').sort()).toEqual([t1, t2].sort());

    const page = await app.request(
      `/app/dashboard/gap-article?tickets=${tickets}&title=gift+wrapping`,
      { headers: { cookie } },
    );
    expect(page.status).toBe(200);
    const html = await page.text();
    // The tickets the article will be linked to are listed (by subject), the title prefilled.
    expect(html).toContain(`<a href="/app/tickets/${t1}">Gift wrapping</a>`);
    expect(html).toContain('value="gift wrapping"');

    const post = await app.request('/app/dashboard/gap-article', {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        _csrf: csrf,
        tickets,
        title: 'Gift wrapping',
        body: 'Every order can be gift wrapped at checkout.',
        url: '',
        language: 'en',
      }),
    });
    expect(post.status).toBe(303);
    const location = post.headers.get('location')!;
    expect(location).toMatch(/^\/app\/kb\/[0-9a-f-]{36}$/);
    const article = await (await app.request(location, { headers: { cookie } })).text();
    expect(article).toContain('Written for 2 unanswered tickets');
    // Not indexed yet (no worker here): the page shows the text as written, not an empty page.
    expect(article).toContain('Every order can be gift wrapped at checkout.');
    expect(article).toContain('Being indexed');
    expect(article).toContain(`/app/tickets/${t1}`);
    expect(article).toContain(`/app/tickets/${t2}`);
    const gaps = await knowledgeGaps(deps.db, { sinceMs: 30 * day });
    expect(gaps.topics.flatMap((x) => x.ticketIds)).not.toContain(t1);

    const missingBody = await app.request('/app/dashboard/gap-article', {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: csrf, tickets, title: 'x', body: '' }),
    });
    expect(missingBody.status).toBe(400);
  });
});
