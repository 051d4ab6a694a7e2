import { sql } from 'drizzle-orm';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  getDeliveryForDraft,
  getDraft,
  latestDraftForTicket,
} from '../../../src/db/queries/drafts.js';
import { getTriage, listTrainingExamples } from '../../../src/db/queries/triage.js';
import { rowsOf } from '../../../src/db/rows.js';
import { processDeliver } from '../../../src/queue/processors/deliver.js';
import { createUserWithRole, screenshot, signIn } from '../../support/browser.js';
import type { TestDeps } from '../../support/deps.js';
import { type BrowserStack, seedDraftedTicket, startBrowserStack } from '../../support/fixtures.js';
import type { TestSmtpServer } from '../../support/smtp-server.js';

/**
 * The agent inbox in a real browser (Debian's Chromium through playwright-core) against the real
 * app, Postgres/PGlite and Redis: sign in, approve, edit-and-approve, reject, correct triage,
 * keyboard shortcuts and live arrival of new drafts.
 */
let stack: BrowserStack;
let deps: TestDeps;
let smtp: TestSmtpServer;
let server: { url: string; close(): Promise<void> };
let browser: Browser;
let agentEmail: string;

const tickets = [
  {
    subject: 'Forgot my password',
    body: 'I cannot log in, I forgot my password. How do I reset it?',
  },
  {
    subject: 'Where is my refund?',
    body: 'I returned the shoes two weeks ago and my refund has not arrived yet.',
  },
  {
    subject: 'Cancel my subscription',
    body: 'Please cancel my subscription, I no longer need it.',
  },
  {
    subject: 'Package not delivered',
    body: 'My order has not been delivered yet, the tracking has not moved.',
  },
];

const ticketWithDraft = (t: { subject: string; body: string }, from?: string) =>
  seedDraftedTicket(deps, { ...t, from });

async function openTicket(page: Page, subject: string) {
  await page.goto(`${server.url}/app`);
  await page.getByRole('link', { name: new RegExp(subject) }).click();
  await page.getByRole('heading', { level: 1, name: subject }).waitFor();
}

beforeAll(async () => {
  stack = await startBrowserStack({ smtp: true, sampleKb: true });
  ({ deps, server, browser } = stack);
  smtp = stack.smtp!;
  for (const [i, t] of tickets.entries()) await ticketWithDraft(t, `customer${i}@example.net`);
  agentEmail = await createUserWithRole(deps, 'agent');
}, 120_000);

afterAll(() => stack?.close());

describe('agent inbox', () => {
  it('refuses a wrong password and signs in with the right one', async () => {
    const page = await browser.newPage();
    await page.goto(`${server.url}/app`);
    expect(new URL(page.url()).pathname).toBe('/app/login');
    await page.getByLabel('Email').fill(agentEmail);
    await page.getByLabel('Password').fill('not the password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').waitFor();
    expect(await page.getByRole('alert').textContent()).toContain('Wrong email or password');

    await signIn(page, server.url, agentEmail);
    expect(new URL(page.url()).pathname).toBe('/app');
    expect(await page.getByTestId('pending-count').textContent()).toBe(String(tickets.length));
    // The ticket most at risk opens by itself, with its draft and citations.
    await page.locator('#draft-text').waitFor();
    expect(await page.locator('.citations li').count()).toBeGreaterThan(0);
    await screenshot(page, 'inbox');
    await page.close();
  });

  it('approves a draft unchanged, and the reply goes out once', async () => {
    const page = await browser.newPage();
    await signIn(page, server.url, agentEmail);
    await openTicket(page, 'Forgot my password');
    const draftId = await page.locator('[data-draft-id]').first().getAttribute('data-draft-id');
    expect(draftId).toBeTruthy();
    await page.getByRole('button', { name: /Approve & send/ }).click();
    await page.getByTestId('notice').waitFor();
    expect(await page.getByTestId('notice').textContent()).toContain('Approved');
    await screenshot(page, 'inbox-approved');

    const row = await latestDraftByText(page, 'Forgot my password');
    expect(row?.status).toBe('approved');
    expect(row?.decidedBy).toBe(agentEmail);
    expect(row?.editDistance).toBe(0);
    const delivery = await getDeliveryForDraft(deps.db, row!.id);
    expect(delivery?.state).toBe('pending');
    await processDeliver(deps, { deliveryId: delivery!.id }, {
      attemptsMade: 0,
      opts: {},
    } as never);
    expect((await getDraft(deps.db, row!.id))?.status).toBe('sent');
    expect(
      smtp.received.filter((m) => m.envelope.rcptTo.includes('customer0@example.net')),
    ).toHaveLength(1);
    await page.close();
  });

  it('edits and approves: the edited text is what is stored and sent', async () => {
    const page = await browser.newPage();
    await signIn(page, server.url, agentEmail);
    await openTicket(page, 'Where is my refund?');
    const edited = 'Hi! Your refund was issued today and should arrive within 5 business days.';
    await page.locator('#draft-text').fill(edited);
    // The button says what will happen.
    await page.getByRole('button', { name: /Send edited reply/ }).click();
    await page.getByTestId('notice').waitFor();
    expect(await page.getByTestId('notice').textContent()).toContain('Edited reply approved');
    const row = await latestDraftByText(page, 'Where is my refund?');
    expect(row?.status).toBe('approved');
    expect(row?.finalText).toBe(edited);
    expect(row?.editDistance).toBeGreaterThan(0);
    await page.close();
  });

  it('rejects with a reason', async () => {
    const page = await browser.newPage();
    await signIn(page, server.url, agentEmail);
    await openTicket(page, 'Cancel my subscription');
    await page.getByLabel('Reject because').selectOption('Wrong tone');
    await page.getByLabel('Rejection details').fill('too formal');
    await page.getByRole('button', { name: 'Reject' }).click();
    await page.getByTestId('notice').waitFor();
    const row = await latestDraftByText(page, 'Cancel my subscription');
    expect(row?.status).toBe('rejected');
    expect(row?.rejectReason).toBe('Wrong tone: too formal');
    await page.close();
  });

  it('corrects the triage category; the correction becomes a training label', async () => {
    const page = await browser.newPage();
    await signIn(page, server.url, agentEmail);
    await openTicket(page, 'Package not delivered');
    const ticketId = await ticketIdFromPage(page);
    const before = await getTriage(deps.db, ticketId);
    const target = before?.category === 'returns' ? 'shipping' : 'returns';
    await page.getByLabel('Category').last().selectOption(target);
    await page.getByRole('button', { name: 'Save correction' }).click();
    await page.getByTestId('notice').waitFor();
    expect(await page.getByTestId('notice').textContent()).toContain('Category corrected');
    expect((await getTriage(deps.db, ticketId))?.correctedCategory).toBe(target);
    const examples = await listTrainingExamples(deps.db);
    expect(examples.some((e) => e.source === 'correction' && e.label === target)).toBe(true);
    await screenshot(page, 'inbox-triage-corrected');
    await page.close();
  });

  it('runs the loop from the keyboard and shows new drafts without a reload', async () => {
    const page = await browser.newPage();
    await signIn(page, server.url, agentEmail);
    await page.goto(`${server.url}/app`);
    await page.locator('body[data-live-ready="true"]').waitFor();
    const before = await page.locator('#queue .item').count();

    // A new ticket is drafted by the pipeline while the page is open.
    await ticketWithDraft(
      { subject: 'Invoice copy please', body: 'Can you send me a copy of my last invoice?' },
      'late@example.net',
    );
    await page.getByRole('link', { name: /Invoice copy please/ }).waitFor({ timeout: 10_000 });
    expect(await page.locator('#queue .item').count()).toBe(before + 1);
    await page.getByRole('status').filter({ hasText: 'New draft waiting' }).waitFor();

    // j opens the next ticket, a approves it.
    await page.keyboard.press('j');
    await page.waitForURL(/ticket=/);
    const ticketId = await ticketIdFromPage(page);
    await page.locator('#draft-text').waitFor();
    await page.keyboard.press('a');
    await page.getByTestId('notice').waitFor();
    expect((await latestDraftForTicket(deps.db, ticketId))?.status).toBe('approved');
    await page.close();
  });
});

async function ticketIdFromPage(page: Page): Promise<string> {
  const action = await page.locator('form[action$="/triage"]').getAttribute('action');
  const id = /\/app\/tickets\/([0-9a-f-]{36})\/triage/.exec(action ?? '')?.[1];
  if (!id) throw new Error('no ticket on the page');
  return id;
}

/** The latest draft of the ticket with this subject (subjects are unique in this file). */
async function latestDraftByText(_page: Page, subject: string) {
  const [row] = rowsOf<{ id: string }>(
    await deps.db.execute(sql`select id from tickets where subject = ${subject}`),
  );
  return latestDraftForTicket(deps.db, row!.id);
}
