import path from 'node:path';
import { eq } from 'drizzle-orm';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser } from '../../../src/auth/users.js';
import { kbImport } from '../../../src/cli/commands/kb-import.js';
import { getDeliveryForDraft, latestDraftForTicket } from '../../../src/db/queries/drafts.js';
import { outbox } from '../../../src/db/schema/outbox.js';
import { triageTicket } from '../../../src/pipeline/triage/triage.js';
import { type OutboxRelay, startOutboxRelay } from '../../../src/queue/outbox-relay.js';
import { processDraft } from '../../../src/queue/processors/draft.js';
import { startWorkers, type WorkerPool } from '../../../src/queue/workers.js';
import { launchBrowser, PASSWORD, screenshot, serveApp, signIn } from '../../support/browser.js';
import { createTestDeps, type TestDeps } from '../../support/deps.js';
import { TestSmtpServer } from '../../support/smtp-server.js';
import { seedEmailTicket } from '../../support/tickets.js';

/**
 * Safe sending in Chromium against the real app, Postgres, Redis, the outbox relay, a deliver
 * worker and an SMTP server: an approval waits out the undo window and Undo inside it sends
 * nothing, while an approval left alone is delivered once after the window; two agents on one
 * draft see each other live, and the one saving over the other's newer version is refused.
 */
const DELAY_SECONDS = 4;
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

async function agentPage(email: string, ticketKey: string): Promise<Page> {
  const context = await browser.newContext();
  const page = await context.newPage();
  await signIn(page, server.url, email, `/app?ticket=${ids[ticketKey]}`);
  await page.locator('#draft-text').waitFor();
  await page.locator('body[data-live-ready="true"]').waitFor();
  return page;
}

beforeAll(async () => {
  smtp = await TestSmtpServer.start();
  deps = await createTestDeps({
    SMTP_URL: `${smtp.url()}?pool=false`,
    SEND_DELAY_SECONDS: String(DELAY_SECONDS),
  });
  await kbImport(deps.db, path.resolve(import.meta.dirname, '../../../samples/kb'));
  for (const [key, t] of Object.entries(tickets)) {
    const { ticketId } = await seedEmailTicket(deps.db, { ...t, from: recipient(key) });
    await triageTicket(deps, { ticketId });
    expect(await processDraft(deps, { ticketId }, {} as never)).toMatchObject({
      status: 'drafted',
    });
    ids[key] = ticketId;
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
  server = await serveApp(deps);
  browser = await launchBrowser();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await workers?.close();
  await relay?.stop();
  await deps?.cleanup();
  await smtp?.close();
});

describe('undo window', () => {
  it('approve, then Undo within the window: nothing is sent, the draft waits again', async () => {
    const page = await agentPage('ana@deskpilot.test', 'undo');
    await page.getByRole('button', { name: /Approve & send/ }).click();
    const bar = page.getByTestId('undo-bar');
    await bar.waitFor();
    expect(await bar.textContent()).toMatch(/sends in \d s/);
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
    await ana.getByRole('button', { name: 'Save draft' }).click();
    await ana.getByTestId('notice').filter({ hasText: 'Draft saved' }).waitFor();

    // Ben, still on the version he loaded, saves his own edit: refused, his text kept, hers kept.
    const benText = 'Hello! I have cancelled your plan; you will not be charged again. — Ben';
    await ben.locator('#draft-text').fill(benText);
    await ben.getByRole('button', { name: 'Save draft' }).click();
    const notice = ben.getByTestId('notice');
    await notice.waitFor();
    expect(await notice.textContent()).toContain(
      'Not saved: ana@deskpilot.test saved a newer version',
    );
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
  }, 60_000);
});
