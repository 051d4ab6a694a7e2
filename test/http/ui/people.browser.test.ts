import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createUserWithRole,
  launchBrowser,
  screenshot,
  serveApp,
  signIn,
} from '../../support/browser.js';
import { fileTestDeps } from '../../support/fixtures.js';

/**
 * The People page in Chromium at desktop (1280) and phone (390) widths: the table reads without
 * sideways scrolling, inviting shows the password once, a reset is behind a disclosure.
 * Screenshots go to test-artifacts/screenshots/people-*.png.
 */
const deps = await fileTestDeps();
let server: { url: string; close(): Promise<void> };
let browser: Browser;
let adminEmail: string;

beforeAll(async () => {
  adminEmail = await createUserWithRole(deps, 'admin');
  await createUserWithRole(deps, 'manager');
  await createUserWithRole(deps, 'agent', 'billing');
  server = await serveApp(deps);
  browser = await launchBrowser();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

function horizontalOverflow(page: Page): Promise<number> {
  return page.evaluate<number>(
    'document.documentElement.scrollWidth - document.documentElement.clientWidth',
  );
}

describe.each([
  { name: 'desktop', width: 1280, height: 900 },
  { name: 'phone', width: 390, height: 844 },
])('People at $name width', ({ name, width, height }) => {
  it('lists people, invites one (password shown once) and resets a password, in one column on a phone', async () => {
    const context = await browser.newContext({ viewport: { width, height }, deviceScaleFactor: 1 });
    const page = await context.newPage();
    await signIn(page, server.url, adminEmail, '/app/people');
    await page.getByRole('heading', { name: 'People' }).waitFor();
    expect(await page.locator('tr[data-person]').count()).toBeGreaterThanOrEqual(3);
    await screenshot(page, `people-${name}`);
    expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);

    const email = `invited-${name}@example.com`;
    await page.locator('form.invite').getByLabel('Email').fill(email);
    await page.locator('form.invite').getByLabel('Role').selectOption('manager');
    await page.getByRole('button', { name: 'Create account' }).click();
    const shown = page.getByTestId('shown-password');
    await shown.waitFor();
    expect(await shown.textContent()).toContain(email);
    await screenshot(page, `people-${name}-invited`);
    expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);

    const row = page.locator(`tr[data-person="${email}"]`);
    await row.getByText('Reset password…').click();
    await row.getByRole('button', { name: 'Reset the password' }).click();
    await expect
      .poll(() => page.getByTestId('shown-password').textContent())
      .toContain(`New password for ${email}`);

    await page.getByRole('link', { name: /Admin Tester/ }).click();
    await page.getByRole('heading', { name: 'Change your password' }).waitFor();
    await screenshot(page, `account-${name}`);
    expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);
    await context.close();
  });
});

describe('disabling someone whose inbox is open', () => {
  it('their open inbox goes to the sign-in page at once, without a reload', async () => {
    const agentEmail = await createUserWithRole(deps, 'agent');
    const agentContext = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const inbox = await agentContext.newPage();
    await signIn(inbox, server.url, agentEmail, '/app');
    await inbox.locator('body[data-live-ready="true"]').waitFor();

    const adminContext = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const admin = await adminContext.newPage();
    await signIn(admin, server.url, adminEmail, '/app/people');
    const row = admin.locator(`tr[data-person="${agentEmail}"]`);
    await row.getByRole('button', { name: 'Disable' }).click();
    await admin.getByText('their sessions have ended').waitFor();

    // No keep-alive wait (25 s): the stream is told at once.
    await inbox.waitForURL(/\/app\/login\?next=%2Fapp/, { timeout: 5_000 });
    await inbox.getByRole('button', { name: /sign in/i }).waitFor();
    await screenshot(inbox, 'people-disabled-inbox-signed-out');
    await agentContext.close();
    await adminContext.close();
  });
});
