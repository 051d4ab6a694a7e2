import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUserWithRole, screenshot, signIn } from '../../support/browser.js';
import type { TestDeps } from '../../support/deps.js';
import { type BrowserStack, startBrowserStack } from '../../support/fixtures.js';

/**
 * Bull Board at /admin/queues in Chromium: every queue listed, drawn from this origin only — no
 * console error (its template's Google Fonts link used to be refused by the board's CSP on every
 * visit) and no request to any other host.
 */
let stack: BrowserStack;
let deps: TestDeps;
let server: { url: string; close(): Promise<void> };
let browser: Browser;
let adminEmail: string;

beforeAll(async () => {
  stack = await startBrowserStack();
  ({ deps, server, browser } = stack);
  adminEmail = await createUserWithRole(deps, 'admin');
}, 120_000);

afterAll(() => stack?.close());

describe('queue board', () => {
  it('an admin sees every queue; no console error, no request leaves 127.0.0.1', async () => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    page.setDefaultTimeout(15_000);
    const consoleErrors: string[] = [];
    const elsewhere: string[] = [];
    const failed: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(`${page.url()}: ${m.text()}`);
    });
    page.on('pageerror', (err) => consoleErrors.push(`${page.url()}: ${err.message}`));
    // Every request the page tries, CSP-refused ones included (Chromium reports those too).
    page.on('request', (r) => {
      const url = new URL(r.url());
      if (url.protocol !== 'data:' && url.hostname !== '127.0.0.1') elsewhere.push(r.url());
    });
    page.on('requestfailed', (r) => failed.push(r.url()));
    await signIn(page, server.url, adminEmail, '/admin/queues');
    expect(new URL(page.url()).pathname).toMatch(/^\/admin\/queues\/?$/);
    for (const name of Object.keys(deps.queues)) {
      await page.getByText(name, { exact: true }).first().waitFor();
    }
    await page.waitForLoadState('networkidle');
    await screenshot(page, 'queue-board');
    expect(consoleErrors).toEqual([]);
    expect(elsewhere).toEqual([]);
    expect(failed).toEqual([]);
    // At phone width too (the board's own layout).
    await page.setViewportSize({ width: 390, height: 844 });
    await page.reload();
    await page.getByText(Object.keys(deps.queues)[0]!, { exact: true }).first().waitFor();
    await page.waitForLoadState('networkidle');
    await screenshot(page, 'queue-board-phone');
    expect(consoleErrors).toEqual([]);
    expect(elsewhere).toEqual([]);
    await page.close();
  });
});
