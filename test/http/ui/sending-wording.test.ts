import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../../src/app.js';
import { createApiKey } from '../../../src/auth/api-keys.js';
import { createUser } from '../../../src/auth/users.js';
import { getDeliveryForDraft, getDraft, insertDraft } from '../../../src/db/queries/drafts.js';
import { listArticleChunks } from '../../../src/db/queries/kb.js';
import type { Citation } from '../../../src/db/schema/drafts.js';
import { kbArticles } from '../../../src/db/schema/kb-articles.js';
import { createArticle, removeArticle, replaceArticle } from '../../../src/kb/articles.js';
import { indexPendingArticles } from '../../../src/kb/indexer.js';
import { approveDraft } from '../../../src/pipeline/review/actions.js';
import { triageTicket } from '../../../src/pipeline/triage/triage.js';
import { processDeliver } from '../../../src/queue/processors/deliver.js';
import { processDraft } from '../../../src/queue/processors/draft.js';
import { createTestDeps, type TestDeps } from '../../support/deps.js';
import { agentActor } from '../../support/drafts.js';
import { pageText } from '../../support/page-text.js';
import { signInOverHttp } from '../../support/sign-in.js';
import { TestSmtpServer } from '../../support/smtp-server.js';
import { seedEmailTicket } from '../../support/tickets.js';

/**
 * What the inbox and the API say about a reply and its sources must be true: a reply with no SMTP
 * server is "held", a refused one says why and never blames the agent, and sources are the
 * team's own article ids and URLs, checked against the knowledge base as it is now.
 */
const password = 'a long enough password';
const job = { attemptsMade: 0, opts: { attempts: 1 } } as never;

interface Session {
  deps: TestDeps;
  app: ReturnType<typeof createApp>;
  cookie: string;
}

async function session(overrides: Record<string, string>): Promise<Session> {
  const deps = await createTestDeps(overrides);
  const app = createApp(deps);
  await createUser(deps.db, { email: 'ana@example.com', name: 'Ana', role: 'agent', password });
  const { cookie } = await signInOverHttp(app, deps.db, 'ana@example.com', password);
  return { deps, app, cookie };
}

const page = async (s: Session, url: string) => {
  const res = await s.app.request(url, { headers: { cookie: s.cookie } });
  expect(res.status).toBe(200);
  return res.text();
};
const text = pageText;

async function approvedDraft(deps: TestDeps, from: string, subject: string, body: string) {
  const { ticketId } = await seedEmailTicket(deps.db, { from, subject, body });
  await triageTicket(deps, { ticketId });
  const drafted = await processDraft(deps, { ticketId }, {} as never);
  const draftId = (drafted as { draftId: string }).draftId;
  expect((await approveDraft(deps, { draftId, actor: agentActor('ana@example.com') })).ok).toBe(
    true,
  );
  return { ticketId, draftId };
}

let held: Session;
let smtp: TestSmtpServer;
let sending: Session;

beforeAll(async () => {
  held = await session({});
  smtp = await TestSmtpServer.start();
  sending = await session({ SMTP_URL: `${smtp.url()}?pool=false` });
  for (const s of [held, sending]) {
    for (const [externalId, title, body] of [
      ['HC-1001', 'Refunds', 'Refunds are issued to the original card within 5 business days.'],
      ['HC-1002', 'Double charges', 'A second charge is a pending authorisation that disappears.'],
    ] as const) {
      await createArticle(s.deps.db, {
        externalId,
        title,
        body: `# ${title}\n\n${body}`,
        format: 'markdown',
        url: `https://help.example.com/articles/${externalId}`,
      });
    }
    await indexPendingArticles(s.deps.db, s.deps.embedders);
  }
});
afterAll(async () => {
  await held?.deps.cleanup();
  await sending?.deps.cleanup();
  await smtp?.close();
});

describe('sending wording', () => {
  it('with no SMTP server the reply is held, and the page says so and why', async () => {
    const { ticketId, draftId } = await approvedDraft(
      held.deps,
      'held@example.net',
      'Refund please',
      'I want a refund for the double charge on my card.',
    );
    const delivery = await getDeliveryForDraft(held.deps.db, draftId);
    await processDeliver(held.deps, { deliveryId: delivery!.id }, job);
    expect((await getDeliveryForDraft(held.deps.db, draftId))?.state).toBe('blocked');
    const shown = text(await page(held, `/app?tab=problems&ticket=${ticketId}`));
    expect(shown).toContain('Held — no outbound mail is configured (SMTP_URL)');
    expect(shown).toContain('Approved by Ana · Held — no outbound mail');
    expect(shown).not.toMatch(/failed by/i);
    expect(shown).not.toContain('being sent');
  });

  it('a refused reply reads "delivery failed: <reason>", never as the agent’s failure', async () => {
    const { ticketId, draftId } = await approvedDraft(
      sending.deps,
      'refused@example.net',
      'Refund please',
      'I want a refund for the double charge on my card.',
    );
    smtp.rejectNext(1, 550, { stage: 'rcpt', message: 'mailbox unavailable' });
    const delivery = await getDeliveryForDraft(sending.deps.db, draftId);
    await processDeliver(sending.deps, { deliveryId: delivery!.id }, job);
    expect((await getDraft(sending.deps.db, draftId))?.status).toBe('delivery_failed');
    const shown = text(await page(sending, `/app?tab=problems&ticket=${ticketId}`));
    expect(shown).toMatch(/Delivery failed: .*mailbox unavailable/);
    expect(shown).toContain('Approved by Ana · Delivery failed:');
    expect(shown).not.toMatch(/failed by/i);
  });
});

describe('sources', () => {
  it('carry the imported article ids and URLs, and say which passages no longer exist', async () => {
    const { deps, app } = sending;
    const { ticketId } = await seedEmailTicket(deps.db, {
      from: 'sources@example.net',
      subject: 'Charged twice, want my refund',
      body: 'I see a second charge on my card. How long do refunds take to reach my card?',
    });
    await triageTicket(deps, { ticketId });
    // A draft citing one passage of each article (written directly: this is about its sources,
    // not about what the drafter chooses to cite).
    const articles = await deps.db.select().from(kbArticles);
    const citations: Citation[] = [];
    for (const article of articles.filter((a) => a.externalId.startsWith('HC-'))) {
      const [chunk] = await listArticleChunks(deps.db, article.id);
      citations.push({
        index: citations.length + 1,
        chunkId: chunk!.id,
        articleId: article.id,
        externalId: article.externalId,
        title: article.title,
        url: article.url,
        section: chunk!.section,
        score: 0.8,
      });
    }
    const draftId = (
      await insertDraft(deps.db, {
        ticketId,
        kind: 'extractive',
        bodyText: 'Refunds take 5 business days [1]; the second charge disappears [2].',
        citations,
        model: 'extractive-v1',
      })
    ).id;
    const draft = (await getDraft(deps.db, draftId))!;
    expect(draft.citations.length).toBe(2);
    const key = (await createApiKey(deps.db, { name: 'agent', role: 'agent' })).key;
    const api = async () => {
      const res = await app.request(`/api/drafts/${draftId}`, {
        headers: { authorization: `Bearer ${key}` },
      });
      expect(res.status).toBe(200);
      return ((await res.json()) as { draft: { citations: Record<string, unknown>[] } }).draft
        .citations;
    };
    const before = await api();
    expect(before.map((c) => c.articleId).sort()).toEqual(['HC-1001', 'HC-1002']);
    for (const c of before) {
      expect(c.url).toBe(`https://help.example.com/articles/${c.articleId}`);
      expect(c.state).toBe('live');
      // No internal ids leave the API.
      expect(c).not.toHaveProperty('chunkId');
      expect(JSON.stringify(c)).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}-/);
    }

    // One cited article is edited, the other deleted.
    const byExternal = new Map(draft.citations.map((c) => [c.externalId, c.articleId]));
    await replaceArticle(deps.db, byExternal.get('HC-1001')!, {
      title: 'Refunds',
      body: '# Refunds\n\nRefunds now take up to 10 business days.',
      format: 'markdown',
      url: 'https://help.example.com/articles/HC-1001',
    });
    await indexPendingArticles(deps.db, deps.embedders);
    await removeArticle(deps.db, byExternal.get('HC-1002')!);

    const after = new Map((await api()).map((c) => [c.articleId, c]));
    expect(after.get('HC-1001')).toMatchObject({ state: 'changed' });
    expect(after.get('HC-1002')).toMatchObject({
      state: 'removed',
      url: 'https://help.example.com/articles/HC-1002',
    });

    const html = await page(sending, `/app?ticket=${ticketId}`);
    const removed = /<li[^>]*data-source-state="removed"[^>]*>([\s\S]*?)<\/li>/.exec(html)?.[1];
    expect(text(removed ?? '')).toContain('Double charges');
    expect(text(removed ?? '')).toContain('removed since');
    // A removed source links nowhere; a changed one links to its article, not a passage.
    expect(removed).not.toContain('<a ');
    const changed = /<li[^>]*data-source-state="changed"[^>]*>([\s\S]*?)<\/li>/.exec(html)?.[1];
    expect(changed).toContain(`href="/app/kb/${byExternal.get('HC-1001')}"`);
    expect(text(changed ?? '')).toContain('article changed since');
  });
});
