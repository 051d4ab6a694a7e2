import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUserWithRole, screenshot, signIn } from '../../support/browser.js';
import type { TestDeps } from '../../support/deps.js';
import { type BrowserStack, seedDraftedTicket, startBrowserStack } from '../../support/fixtures.js';

/**
 * The undo bar of a reply that will be held (no SMTP_URL): when its countdown ends it says the
 * reply is held and nothing was sent, not "will be held … sending now". The approval's notice is
 * said once: a reload after the window does not repeat it.
 */
let stack: BrowserStack;
let deps: TestDeps;
let server: { url: string };
let browser: Browser;
let ticketId: string;
let agent: string;

beforeAll(async () => {
  stack = await startBrowserStack({ sampleKb: true, config: { SEND_DELAY_SECONDS: '2' } });
  ({ deps, server, browser } = stack);
  ({ ticketId } = await seedDraftedTicket(deps, {
    subject: 'Refund for a double charge',
    body: 'I was charged twice for my order, please refund one charge.',
  }));
  agent = await createUserWithRole(deps, 'agent');
}, 120_000);

afterAll(async () => {
  await stack?.close();
});

describe('undo bar without SMTP', () => {
  it('counts down, then says the reply is held and nothing was sent', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    await signIn(page, server.url, agent, `/app?ticket=${ticketId}`);
    await page.locator('#draft-text').waitFor();
    await page.getByRole('button', { name: /Approve & send/ }).click();
    const bar = page.getByTestId('undo-bar');
    await bar.waitFor();
    expect(await bar.textContent()).toMatch(/will be held .* in \d+ s/);
    await page
      .getByRole('button', { name: /Undo/ })
      .waitFor({ state: 'detached', timeout: 10_000 });
    const done = await bar.textContent();
    expect(done).toContain('held — no outbound mail is configured (SMTP_URL), so nothing was sent');
    expect(done).not.toContain('sending now');
    expect(done).not.toContain('will be held');
    await screenshot(page, 'undo-bar-held-done');

    // The outcome was said once: it left the address, and a reload does not say it again.
    expect(new URL(page.url()).searchParams.has('notice')).toBe(false);
    await page.reload();
    await page.locator('#queue').waitFor();
    expect(await page.getByTestId('notice').count()).toBe(0);
    await context.close();
  }, 60_000);
});
