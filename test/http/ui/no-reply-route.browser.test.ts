import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../../src/auth/api-keys.js';
import { getDeliveryForDraft, insertDraft } from '../../../src/db/queries/drafts.js';
import { createUserWithRole, screenshot, signIn } from '../../support/browser.js';
import { type BrowserStack, startBrowserStack } from '../../support/fixtures.js';

/**
 * A ticket from the JSON webhook without a requester email, in Chromium at desktop and phone
 * width: before anyone approves, the draft pane says there is no way to reach the customer and
 * why, and the approve button is replaced by a disabled one saying so (in the inbox and on the
 * ticket page); the ticket page offers no reply box either. Nothing can end up held.
 * Screenshots: test-artifacts/screenshots/no-reply-route-*.png.
 */
let stack: BrowserStack;
let agentEmail: string;
let ticketId: string;
let draftId: string;

beforeAll(async () => {
  stack = await startBrowserStack({ smtp: true });
  const { deps, server } = stack;
  const key = (await createApiKey(deps.db, { name: 'shop helpdesk', role: 'integration' })).key;
  const res = await fetch(`${server.url}/webhooks/tickets`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({
      eventId: 'e-no-mail',
      ticket: { externalId: 'CHAT-9', subject: 'Where is my order?' },
      requester: { name: 'Robin' },
      message: { body: 'Ordered on Monday, nothing arrived yet.' },
    }),
  });
  expect(res.status).toBe(202);
  ({ ticketId } = (await res.json()) as { ticketId: string });
  ({ id: draftId } = await insertDraft(deps.db, {
    ticketId,
    kind: 'extractive',
    bodyText: 'Orders ship within two working days.',
    model: 'test',
  }));
  agentEmail = await createUserWithRole(deps, 'agent');
}, 60_000);
afterAll(() => stack?.close());

const overflow = (page: Page) =>
  page.evaluate<number>(
    'document.documentElement.scrollWidth - document.documentElement.clientWidth',
  );

describe.each([
  { name: 'desktop', width: 1280, height: 900 },
  { name: 'phone', width: 390, height: 844 },
])('no way to reach the customer, at $name width', ({ name, width, height }) => {
  it('the draft pane says why before approving; the approve button is disabled with the reason', async () => {
    const context = await stack.browser.newContext({ viewport: { width, height } });
    const page = await context.newPage();
    page.setDefaultTimeout(10_000);
    for (const [where, path] of [
      ['inbox', `/app?ticket=${ticketId}`],
      ['ticket', `/app/tickets/${ticketId}`],
    ] as const) {
      if (where === 'inbox') await signIn(page, stack.server.url, agentEmail, path);
      else await page.goto(`${stack.server.url}${path}`);
      const note = page.getByTestId('no-reply-route');
      await note.waitFor();
      expect(await note.textContent()).toContain('No way to reach the customer');
      expect(await note.textContent()).toContain('without a requester email');
      expect(await note.isVisible()).toBe(true);
      const button = page.getByTestId('approve-unavailable');
      expect(await button.isDisabled()).toBe(true);
      expect(await button.textContent()).toContain('no way to reach the customer');
      // The disabled button is described by the reason (assistive technology reads both).
      expect(await button.getAttribute('aria-describedby')).toBe('no-reply-route');
      expect(await page.getByRole('button', { name: /Approve & send/ }).count()).toBe(0);
      // The draft text is still there to copy; rejecting still works.
      expect(await page.locator('#draft-text').inputValue()).toContain('Orders ship');
      expect(await page.getByRole('button', { name: 'Reject' }).isEnabled()).toBe(true);
      if (where === 'ticket') {
        // No reply box either, for the same reason; solving the ticket is offered.
        expect(await page.locator('#reply-form').count()).toBe(0);
        expect(await page.getByTestId('no-recipient').textContent()).toContain(
          'without a requester email',
        );
        expect(await page.getByTestId('solve').isVisible()).toBe(true);
      } else {
        expect(await note.getByRole('link', { name: 'Open the ticket' }).count()).toBe(1);
      }
      // Pressing the approve shortcut does nothing either.
      const before = page.url();
      await page.locator('body').press('a');
      await page.waitForTimeout(300);
      expect(page.url()).toBe(before);
      expect(await getDeliveryForDraft(stack.deps.db, draftId)).toBeNull();
      await screenshot(page, `no-reply-route-${where}-${name}`);
      expect(await overflow(page)).toBeLessThanOrEqual(0);
    }
    await context.close();
  });
});
