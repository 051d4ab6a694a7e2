import { eq } from 'drizzle-orm';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser } from '../../../src/auth/users.js';
import {
  getDeliveryForDraft,
  insertDraft,
  latestDraftForTicket,
  listDraftsForTicket,
} from '../../../src/db/queries/drafts.js';
import { outbox } from '../../../src/db/schema/outbox.js';
import { type OutboxRelay, startOutboxRelay } from '../../../src/queue/outbox-relay.js';
import { startWorkers, type WorkerPool } from '../../../src/queue/workers.js';
import { PASSWORD, screenshot, signIn } from '../../support/browser.js';
import type { TestDeps } from '../../support/deps.js';
import { type BrowserStack, seedDraftedTicket, startBrowserStack } from '../../support/fixtures.js';
import type { TestSmtpServer } from '../../support/smtp-server.js';
import { seedEmailTicket } from '../../support/tickets.js';

/**
 * Safe sending in Chromium against the real app, Postgres, Redis, the outbox relay, a deliver
 * worker and an SMTP server: an approval waits out the undo window and Undo inside it sends
 * nothing, while an approval left alone is delivered once after the window; two agents on one
 * draft see each other live, and the one saving over the other's newer version is refused.
 */
// Long enough for a loaded CI machine to click Undo (and screenshot) inside the window.
const DELAY_SECONDS = 12;
let stack: BrowserStack;
let deps: TestDeps;
let smtp: TestSmtpServer;
let server: { url: string; close(): Promise<void> };
let browser: Browser;
let relay: OutboxRelay;
let workers: WorkerPool;
const ids: Record<string, string> = {};

const tickets = {
  undo: { subject: 'Forgot my password', body: 'I forgot my password, how do I reset it?' },
  send: {
    subject: 'Where is my refund?',
    body: 'My refund for the returned shoes has not arrived.',
  },
  shared: { subject: 'Cancel my subscription', body: 'Please cancel my subscription.' },
  page: { subject: 'Where is my parcel?', body: 'My order has not arrived yet, where is it?' },
  manual: { subject: 'Return label', body: 'How do I return the shoes I bought?' },
};
const recipient = (key: string) => `${key}@customer.example.net`;
const mailsTo = (key: string) =>
  smtp.received.filter((m) => m.envelope.rcptTo.includes(recipient(key)));

async function waitUntil(check: () => Promise<boolean> | boolean, timeoutMs: number) {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`not true within ${timeoutMs} ms`);
}

/** An agent's Chromium on the ticket page (`/app/tickets/<id>`), its event stream connected. */
async function ticketPage(
  email: string,
  ticketKey: string,
  viewport = { width: 1280, height: 900 },
) {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  await signIn(page, server.url, email, `/app/tickets/${ids[ticketKey]}`);
  await page.locator('#reply-text').waitFor();
  await page.locator('body[data-live-ready="true"]').waitFor();
  return page;
}

async function agentPage(email: string, ticketKey: string): Promise<Page> {
  const context = await browser.newContext();
  const page = await context.newPage();
  await signIn(page, server.url, email, `/app?ticket=${ids[ticketKey]}`);
  await page.locator('#draft-text').waitFor();
  await page.locator('body[data-live-ready="true"]').waitFor();
  return page;
}

beforeAll(async () => {
  stack = await startBrowserStack({
    smtp: true,
    sampleKb: true,
    config: { SEND_DELAY_SECONDS: String(DELAY_SECONDS) },
  });
  ({ deps, server, browser } = stack);
  smtp = stack.smtp!;
  for (const [key, t] of Object.entries(tickets)) {
    ids[key] = (await seedDraftedTicket(deps, { ...t, from: recipient(key) })).ticketId;
  }
  for (const [email, name] of [
    ['ana@deskpilot.test', 'Ana Lima'],
    ['ben@deskpilot.test', 'Ben Okafor'],
  ] as const) {
    await createUser(deps.db, { email, name, role: 'agent', password: PASSWORD, teamId: null });
  }
  // The real delivery path: the relay moves due outbox rows to BullMQ, a worker sends.
  relay = startOutboxRelay(deps.db, deps.queues, { pollMs: 50, log: deps.log });
  workers = startWorkers(deps, { only: ['deliver'] });
}, 120_000);

afterAll(async () => {
  await workers?.close();
  await relay?.stop();
  await stack?.close();
});

describe('undo window', () => {
  it('approve, then Undo within the window: nothing is sent, the draft waits again', async () => {
    const page = await agentPage('ana@deskpilot.test', 'undo');
    await page.getByRole('button', { name: /Approve & send/ }).click();
    const bar = page.getByTestId('undo-bar');
    await bar.waitFor();
    expect(await bar.textContent()).toMatch(/sends in \d+ s/);
    await screenshot(page, 'undo-countdown');
    await page.getByRole('button', { name: /Undo/ }).click();
    await page.getByTestId('notice').waitFor();
    expect(await page.getByTestId('notice').textContent()).toContain('Undone — nothing was sent');

    const draft = await latestDraftForTicket(deps.db, ids.undo!);
    expect(draft?.status).toBe('pending_approval');
    expect(draft?.decidedBy).toBeNull();
    expect(await getDeliveryForDraft(deps.db, draft!.id)).toBeFalsy();
    // Well past the window, with the relay and the worker running: still nothing.
    await new Promise((r) => setTimeout(r, (DELAY_SECONDS + 3) * 1000));
    expect(mailsTo('undo')).toHaveLength(0);
    const jobs = await deps.db.select().from(outbox).where(eq(outbox.jobName, 'deliver'));
    expect(jobs.filter((j) => j.payload.deliveryId !== undefined && j.state === 'pending')).toEqual(
      [],
    );
    await page.context().close();
  }, 60_000);

  it('an approval left alone (the a key) is sent once, only after the window', async () => {
    const page = await agentPage('ana@deskpilot.test', 'send');
    const approvedAt = Date.now();
    await page.keyboard.press('a');
    await page.getByTestId('undo-bar').waitFor();
    // Still counting down: nothing has gone.
    expect(mailsTo('send')).toHaveLength(0);
    await waitUntil(() => mailsTo('send').length > 0, (DELAY_SECONDS + 10) * 1000);
    expect(Date.now() - approvedAt).toBeGreaterThanOrEqual((DELAY_SECONDS - 1) * 1000);
    // The countdown ended and the Undo button went with it.
    await page.getByRole('button', { name: /Undo/ }).waitFor({ state: 'detached' });
    await new Promise((r) => setTimeout(r, 1000));
    expect(mailsTo('send')).toHaveLength(1);
    const draft = await latestDraftForTicket(deps.db, ids.send!);
    expect(draft?.status).toBe('sent');
    await page.context().close();
  }, 60_000);
});

describe('two agents on one draft', () => {
  it('see each other live, and a save over the newer version is refused', async () => {
    const ana = await agentPage('ana@deskpilot.test', 'shared');
    const ben = await agentPage('ben@deskpilot.test', 'shared');
    // Each sees the other (Ben's arrival reaches Ana through Redis pub/sub and her event stream).
    await ana
      .getByTestId('presence')
      .filter({ hasText: 'Ben Okafor is viewing this ticket' })
      .waitFor();
    await ben
      .getByTestId('presence')
      .filter({ hasText: 'Ana Lima is viewing this ticket' })
      .waitFor();

    // Ana edits: Ben sees it as it happens.
    const anaText = 'Hi, your subscription is cancelled as of today. — Ana';
    await ana.locator('#draft-text').fill(anaText);
    await ben
      .getByTestId('presence')
      .filter({ hasText: 'Ana Lima is editing this draft' })
      .waitFor();
    await screenshot(ben, 'presence-editing');

    // Ben starts his own edit of the version he loaded; Ana saves hers meanwhile. His pane keeps
    // the draft he is editing (it follows the ticket live, but not under his hands) and says the
    // ticket changed.
    const benText = 'Hello! I have cancelled your plan; you will not be charged again. — Ben';
    await ben.locator('#draft-text').fill(benText);
    await ana.getByRole('button', { name: 'Save draft' }).click();
    await ana.getByTestId('notice').filter({ hasText: 'Draft saved' }).waitFor();
    await ben.getByTestId('live-stale').waitFor();
    expect(await ben.locator('#draft-text').inputValue()).toBe(benText);

    // Ben saves anyway: refused, his text kept, hers kept.
    await ben.getByRole('button', { name: 'Save draft' }).click();
    const notice = ben.getByTestId('notice');
    await notice.waitFor();
    expect(await notice.textContent()).toContain('Not saved: Ana Lima saved a newer version');
    expect(await ben.locator('#unsaved-text').inputValue()).toBe(benText);
    // The page now shows Ana's version to compare with.
    expect(await ben.locator('#draft-text').inputValue()).toBe(anaText);
    await screenshot(ben, 'stale-save-refused');
    const draft = await latestDraftForTicket(deps.db, ids.shared!);
    expect(draft?.finalText).toBe(anaText);
    expect(draft?.savedBy).toBe('ana@deskpilot.test');

    // Ana leaves: Ben's page says so.
    await ana.context().close();
    await ben.getByTestId('presence').filter({ hasText: 'Ana Lima' }).waitFor({ state: 'hidden' });
    await ben.context().close();
  }, 120_000);
});

describe('the ticket page', () => {
  it('two agents on one ticket see each other live, and who is writing a reply', async () => {
    const ana = await ticketPage('ana@deskpilot.test', 'page');
    const ben = await ticketPage('ben@deskpilot.test', 'page');
    await ana
      .getByTestId('presence')
      .filter({ hasText: 'Ben Okafor is viewing this ticket' })
      .waitFor();
    await ben
      .getByTestId('presence')
      .filter({ hasText: 'Ana Lima is viewing this ticket' })
      .waitFor();
    // Ana starts writing in the composer: Ben knows before he writes his own.
    await ana.locator('#reply-text').fill('Your parcel is with the carrier —');
    await ben.getByTestId('presence').filter({ hasText: 'Ana Lima is writing a reply' }).waitFor();
    await screenshot(ben, 'ticket-presence-writing');
    // Ana leaves: Ben's page says so.
    await ana.context().close();
    await ben.getByTestId('presence').filter({ hasText: 'Ana Lima' }).waitFor({ state: 'hidden' });
    expect(await ben.getByTestId('presence').isHidden()).toBe(true);
    await ben.context().close();
  }, 60_000);

  it('a hand-written reply gets the undo window: Undo sends nothing and gives the text back; left alone it goes once, instead of the pending draft', async () => {
    const ai = await latestDraftForTicket(deps.db, ids.manual!);
    expect(ai?.status).toBe('pending_approval');
    const page = await ticketPage('ana@deskpilot.test', 'manual');
    const text = 'Hi, print the return label from your order page and drop the parcel off. — Ana';
    await page.locator('#reply-text').fill(text);
    await page.getByRole('button', { name: 'Send reply' }).click();
    const bar = page.getByTestId('undo-bar');
    await bar.waitFor();
    expect(await bar.textContent()).toMatch(/sends in \d+ s/);
    await screenshot(page, 'ticket-reply-undo-countdown');
    await page.getByRole('button', { name: /Undo/ }).click();
    await page.getByTestId('notice').filter({ hasText: 'Undone — nothing was sent' }).waitFor();
    // The reply is back in the composer, and the draft it had replaced waits again.
    expect(await page.locator('#reply-text').inputValue()).toBe(text);
    expect((await latestDraftForTicket(deps.db, ids.manual!))?.status).toBe('withdrawn');
    const drafts = await listDraftsForTicket(deps.db, ids.manual!);
    expect(drafts.find((d) => d.id === ai!.id)?.status).toBe('pending_approval');
    await new Promise((r) => setTimeout(r, (DELAY_SECONDS + 3) * 1000));
    expect(mailsTo('manual')).toHaveLength(0);

    // Sent again and left alone: delivered once after the window, and the AI draft never.
    const sentAt = Date.now();
    await page.getByRole('button', { name: 'Send reply' }).click();
    await page.getByTestId('undo-bar').waitFor();
    expect(mailsTo('manual')).toHaveLength(0);
    await waitUntil(() => mailsTo('manual').length > 0, (DELAY_SECONDS + 10) * 1000);
    expect(Date.now() - sentAt).toBeGreaterThanOrEqual((DELAY_SECONDS - 1) * 1000);
    await new Promise((r) => setTimeout(r, 1000));
    expect(mailsTo('manual')).toHaveLength(1);
    expect(mailsTo('manual')[0]!.raw.toString()).toContain('print the return label');
    const after = await listDraftsForTicket(deps.db, ids.manual!);
    expect(after.find((d) => d.id === ai!.id)?.status).toBe('superseded');
    expect(after.at(-1)?.status).toBe('sent');
    await page.context().close();
  }, 90_000);

  it('an abstained draft offers one reply box, the composer (1280 and 390 px)', async () => {
    const { ticketId } = await seedEmailTicket(deps.db, {
      subject: 'Partnership proposal',
      body: 'Would you like to sponsor our podcast?',
      from: recipient('abstained'),
    });
    ids.abstained = ticketId;
    await insertDraft(deps.db, {
      ticketId,
      kind: 'no_answer',
      state: 'abstained',
      reason: 'nothing relevant was found in the knowledge base',
      bodyText: 'Thanks for your message — we will get back to you.',
      model: 'extractive-v2',
    });
    for (const viewport of [
      { width: 1280, height: 900 },
      { width: 390, height: 844 },
    ]) {
      const page = await ticketPage('ana@deskpilot.test', 'abstained', viewport);
      expect(await page.getByTestId('draft-reason').textContent()).toContain('No grounded answer');
      expect(await page.locator('#draft-text').count()).toBe(0);
      expect(await page.locator('textarea:visible').count()).toBe(1);
      await page.getByRole('link', { name: /Write the answer yourself/ }).click();
      await screenshot(page, `ticket-abstained-${viewport.width}`);
      await page.context().close();
    }
  }, 60_000);
});
