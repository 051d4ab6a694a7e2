import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approveDraft } from '../../../src/pipeline/review/actions.js';
import { createUserWithRole, screenshot, signIn } from '../../support/browser.js';
import type { TestDeps } from '../../support/deps.js';
import { agentActor } from '../../support/drafts.js';
import { type BrowserStack, seedDraftedTicket, startBrowserStack } from '../../support/fixtures.js';

/**
 * The UI on a phone (390 × 844, the size of a current iPhone) in Chromium: no page (inbox, ticket
 * page, ticket list, knowledge base, dashboard, taxonomy admin) scrolls sideways, the conversation comes before
 * the draft, and the send button stays on screen.
 * Screenshots go to test-artifacts/screenshots/phone-*.png.
 */
let stack: BrowserStack;
let deps: TestDeps;
let server: { url: string; close(): Promise<void> };
let browser: Browser;
let phone: BrowserContext;
let adminEmail: string;
let ticketId: string;

// Page scripts are strings: the test project compiles without the DOM library.
/** How far the page is wider than the screen, in CSS pixels (0 = no sideways scrolling). */
function horizontalOverflow(page: Page): Promise<number> {
  return page.evaluate<number>(
    'document.documentElement.scrollWidth - document.documentElement.clientWidth',
  );
}

/** The elements sticking out past the right edge, to say what overflowed when the test fails. */
function overflowing(page: Page): Promise<string[]> {
  return page.evaluate<string[]>(`(() => {
    const width = document.documentElement.clientWidth;
    return [...document.querySelectorAll('body *')]
      .filter((el) => el.getBoundingClientRect().right > width + 0.5 && !el.closest('.visually-hidden'))
      .slice(0, 10)
      .map((el) => el.tagName.toLowerCase() + '.' + el.className);
  })()`);
}

async function expectNoSidewaysScroll(page: Page, name: string) {
  await screenshot(page, name);
  expect(await horizontalOverflow(page), (await overflowing(page)).join(', ')).toBeLessThanOrEqual(
    0,
  );
}

beforeAll(async () => {
  stack = await startBrowserStack({ sampleKb: true });
  ({ deps, server, browser } = stack);
  ({ ticketId } = await seedDraftedTicket(deps, {
    subject: 'I was charged twice for my subscription this month, please refund one charge',
    body: 'Hello, my card statement shows two identical charges for the annual plan (order https://shop.example.com/orders/2026-000123456789?utm_source=email&utm_medium=statement). Please refund the duplicate payment.',
    from: 'a.very.long.customer.address.for.testing@subdomain.example-customer.net',
  }));
  adminEmail = await createUserWithRole(deps, 'admin');
  phone = await browser.newContext({
    viewport: { width: 390, height: 844 },
    isMobile: true,
    hasTouch: true,
    deviceScaleFactor: 1,
  });
}, 120_000);

afterAll(async () => {
  await phone?.close();
  await stack?.close();
});

describe('at 390 × 844', () => {
  it('the inbox with a ticket open: conversation first, send button reachable, no sideways scroll', async () => {
    const page = await phone.newPage();
    await signIn(page, server.url, adminEmail, `/app?ticket=${ticketId}`);
    await page.locator('#draft-text').waitFor();
    await expectNoSidewaysScroll(page, 'phone-inbox');

    const conversation = await page.locator('.conversation').boundingBox();
    const draft = await page.locator('.draft').boundingBox();
    const queue = await page.locator('#queue').boundingBox();
    expect(conversation!.y).toBeLessThan(draft!.y);
    expect(draft!.y).toBeLessThan(queue!.y);
    // Editing the reply keeps the send button on screen (sticky under the text).
    await page.locator('#draft-text').scrollIntoViewIfNeeded();
    const send = page.getByRole('button', { name: /Approve & send/ });
    const box = await send.boundingBox();
    expect(box!.y + box!.height).toBeLessThanOrEqual(844);
    expect(box!.y).toBeGreaterThanOrEqual(0);

    // Writing at the end of a long reply: the sticky bar never sits on the text box.
    const draftText = page.locator('#draft-text');
    await draftText.fill(
      Array.from({ length: 60 }, (_, i) => `Line ${i + 1} of the reply.`).join('\n'),
    );
    await page.evaluate('window.scrollTo(0, 0)');
    await draftText.focus();
    await page.keyboard.press('Control+End');
    await page.keyboard.type(' The last words.');
    await page.waitForTimeout(200);
    const textBox = (await draftText.boundingBox())!;
    const bar = (await page.locator('#approve-form .actions').boundingBox())!;
    await screenshot(page, 'phone-inbox-typing');
    expect(textBox.y + textBox.height).toBeLessThanOrEqual(bar.y + 1);
    expect(bar.y + bar.height).toBeLessThanOrEqual(844);
    await page.close();
  });

  it('the ticket page: conversation first, no sideways scroll', async () => {
    const page = await phone.newPage();
    await page.goto(`${server.url}/app/tickets/${ticketId}`);
    await page.locator('.thread').waitFor();
    await expectNoSidewaysScroll(page, 'phone-ticket');
    const conversation = await page.locator('.thread').boundingBox();
    const draft = await page.locator('.draft').boundingBox();
    const triage = await page.locator('.triage').boundingBox();
    expect(conversation!.y).toBeLessThan(draft!.y);
    expect(conversation!.y).toBeLessThan(triage!.y);
    await page.close();
  });

  it('the ticket list', async () => {
    const page = await phone.newPage();
    await page.goto(`${server.url}/app/tickets`);
    await page.locator('.ticket-row').first().waitFor();
    await expectNoSidewaysScroll(page, 'phone-tickets');
    await page.close();
  });

  it('the knowledge base: the list, an article, its edit form', async () => {
    const page = await phone.newPage();
    await page.goto(`${server.url}/app/kb`);
    await page.locator('[data-testid="article-list"] .ticket-row').first().waitFor();
    await expectNoSidewaysScroll(page, 'phone-kb');
    await page.locator('[data-testid="article-list"] .ticket-row a').first().click();
    await page.locator('[data-testid="edit-article"]').waitFor();
    await expectNoSidewaysScroll(page, 'phone-kb-article');
    // Edit and Delete sit on one line, the same height.
    const edit = await page.getByTestId('edit-article').boundingBox();
    const del = await page.getByTestId('delete-article').boundingBox();
    expect(Math.abs(edit!.y - del!.y)).toBeLessThanOrEqual(1);
    expect(Math.abs(edit!.height - del!.height)).toBeLessThanOrEqual(1);
    await page.locator('[data-testid="edit-article"]').click();
    await page.locator('textarea[name="body"]').waitFor();
    await expectNoSidewaysScroll(page, 'phone-kb-edit');
    await page.close();
  });

  it('the dashboard', async () => {
    const page = await phone.newPage();
    await page.goto(`${server.url}/app/dashboard`);
    await page.locator('.kpis').waitFor();
    await expectNoSidewaysScroll(page, 'phone-dashboard');
    await page.close();
  });

  it('the welcome checklist: every webhook URL and secret is on screen, none in a sideways scroll', async () => {
    const page = await phone.newPage();
    await page.goto(`${server.url}/app/welcome`);
    await page.getByRole('heading', { name: 'Get started' }).waitFor();
    await expectNoSidewaysScroll(page, 'phone-welcome');
    // A table that scrolls inside itself passes the page check with its last column out of sight.
    const rights = await page.evaluate<number[]>(
      `[...document.querySelectorAll('table.stack-on-phone td, table.stack-on-phone th[scope=row]')].map((el) => el.getBoundingClientRect().right)`,
    );
    expect(rights.length).toBeGreaterThanOrEqual(12);
    for (const right of rights) expect(right).toBeLessThanOrEqual(390);
    await expect
      .poll(() => page.getByText(`${deps.config.PUBLIC_URL}/webhooks/tickets`).isVisible())
      .toBe(true);
    await page.close();
  });

  it('the taxonomy admin page', async () => {
    const page = await phone.newPage();
    await page.goto(`${server.url}/app/admin/taxonomy`);
    await page.getByTestId('categories').waitFor();
    await page.locator('.category summary').first().click();
    await expectNoSidewaysScroll(page, 'phone-taxonomy');
    await page.close();
  });

  it("an article's answered questions, and forgetting one", async () => {
    // A long question approved with the article its draft cites: the article page lists it.
    const { draftId } = await seedDraftedTicket(deps, {
      subject: 'Password reset link never arrives in my inbox',
      body: 'I asked for a password reset link three times from https://app.example.com/account/security/password-reset?source=email and nothing came. How do I reset my password?',
    });
    const approved = await approveDraft(deps, { draftId, actor: agentActor(adminEmail) });
    expect(approved.ok).toBe(true);
    const articleId = approved.ok ? approved.draft.citations[0]!.articleId : '';
    const page = await phone.newPage();
    page.on('dialog', (dialog) => dialog.accept());
    await page.goto(`${server.url}/app/kb/${articleId}`);
    // Signed in already when the tests before this one ran.
    if (new URL(page.url()).pathname !== `/app/kb/${articleId}`) {
      await signIn(page, server.url, adminEmail, `/app/kb/${articleId}`);
    }
    await page.getByTestId('answered-questions').locator('summary').click();
    await page.getByTestId('answered-question').first().waitFor();
    await expectNoSidewaysScroll(page, 'phone-kb-answered');
    await page.getByTestId('forget-answered').first().click();
    await page.getByText('Forgotten: questions like it').waitFor();
    expect(await page.getByTestId('answered-questions').count()).toBe(0);
    await page.close();
  });
});
