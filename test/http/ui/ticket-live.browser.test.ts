import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { screenshot, signIn } from '../../support/browser.js';
import * as fixtures from '../../support/fixtures.js';
import {
  addNoteAs,
  apiPost,
  desktop,
  expectSettled,
  followUpApproveHold,
  openLive,
  phone,
  startLiveStack,
} from '../../support/live.js';

/**
 * The ticket page follows its ticket while it is open (Debian's Chromium against the real app,
 * real Redis pub/sub): changes made elsewhere — a colleague's internal note, the customer's
 * follow-up, a draft approved through the API, its reply held (no SMTP_URL here) — appear without
 * a reload, and what the agent is typing survives: the composer is never replaced, and a draft
 * being edited is kept while a notice says the ticket changed.
 */
let stack: fixtures.BrowserStack;
let apiKey: string;
let ana: string;
let ben: string;

const openTicket = (email: string, ticketId: string, viewport = desktop): Promise<Page> =>
  openLive(stack, email, `/app/tickets/${ticketId}`, '#reply-text', viewport);
const api = (path: string, body?: unknown) => apiPost(stack, apiKey, path, body);

beforeAll(async () => {
  ({ stack, apiKey, ana, ben } = await startLiveStack('outside'));
}, 180_000);

afterAll(() => stack?.close());

describe('the open ticket page', () => {
  it.each([
    ['desktop', desktop],
    ['phone', phone],
  ] as const)(
    'shows changes made elsewhere and keeps the reply being typed (%s)',
    async (name, viewport) => {
      const { ticketId, draftId } = await fixtures.seedDraftedTicket(stack.deps, {
        subject: `Password reset link expired (${name})`,
        body: 'I forgot my password and the reset link has expired. How do I reset it?',
      });
      const page = await openTicket(ana, ticketId, viewport);
      const typed = 'Hi Robin, thanks for waiting — I am checking';
      await page.locator('#reply-text').fill(typed);
      const thread = page.getByRole('region', { name: 'Conversation' });

      // A colleague adds an internal note in their own session.
      await addNoteAs(stack, ben, ticketId, 'Called Robin: the link went to spam.');
      await thread.getByText('Called Robin: the link went to spam.').waitFor();

      // The customer writes again; the draft is approved through the API; its reply is held (no
      // SMTP configured).
      await followUpApproveHold(stack, apiKey, page, {
        ticketId,
        draftId,
        followUp: 'Also, the second link I got expired too.',
      });
      await page.locator('[data-event="approved"]').waitFor();
      await page.locator('[data-draft-state="held"]').filter({ hasText: 'reply held' }).waitFor();

      // Through all of it, the reply being written stayed as typed, and nothing asked to reload.
      expect(await page.locator('#reply-text').inputValue()).toBe(typed);
      await expectSettled(page, `ticket-live-${name}`);
    },
    120_000,
  );

  it('keeps a draft being edited, says the ticket changed, and updates the rest', async () => {
    const { ticketId, draftId } = await fixtures.seedDraftedTicket(stack.deps, {
      subject: 'Cannot reset my password',
    });
    const page = await openTicket(ana, ticketId, phone);
    const edit = 'Hi Robin, use the "Forgot password" link on the sign-in page. — Ana';
    await page.locator('#draft-text').fill(edit);

    // Someone else approves the draft meanwhile.
    expect((await api(`/api/drafts/${draftId}/approve`)).status).toBe(200);
    await page.getByTestId('live-stale').waitFor();
    expect(await page.getByTestId('live-stale').textContent()).toContain(
      'This ticket changed while you were editing',
    );
    // The editor was not replaced: the agent's text is there, in the same box.
    expect(await page.locator('#draft-text').inputValue()).toBe(edit);
    // The parts nobody was editing did follow.
    await page.locator('[data-draft-state="sending"]').waitFor();
    await page.locator('[data-event="approved"]').waitFor();
    await screenshot(page, 'ticket-live-stale-phone');

    // Reload shows what changed.
    await page.getByTestId('live-stale').getByRole('link', { name: 'Reload' }).click();
    await page
      .getByTestId('draft-status')
      .filter({ hasText: /Approved/ })
      .waitFor();
    expect(await page.getByTestId('live-stale').isHidden()).toBe(true);
    await page.context().close();
  }, 60_000);

  it('swaps in a changed draft that works like the one served (edited state, approve)', async () => {
    const { ticketId } = await fixtures.seedDraftedTicket(stack.deps, {
      subject: 'Reset password please',
    });
    const page = await openTicket(ana, ticketId);
    const served = await page.locator('#approve-form input[name="lockVersion"]').inputValue();

    // A colleague saves an edit of the draft in the inbox; this page, not editing it, shows it.
    const context = await stack.browser.newContext();
    const inbox = await context.newPage();
    await signIn(inbox, stack.server.url, ben, `/app?ticket=${ticketId}`);
    const saved = 'Saved elsewhere: reset it from the sign-in page.';
    await inbox.locator('#draft-text').fill(saved);
    await inbox.getByRole('button', { name: 'Save draft' }).click();
    await inbox.getByTestId('notice').filter({ hasText: 'Draft saved' }).waitFor();
    await context.close();
    await expect
      .poll(() => page.locator('#draft-text').inputValue(), { timeout: 10_000 })
      .toBe(saved);
    const swapped = await page.locator('#approve-form input[name="lockVersion"]').inputValue();
    expect(Number(swapped)).toBeGreaterThan(Number(served));

    // The swapped-in box is wired like the served one: typing marks the form edited, and the
    // approval carries the lock version the swap brought (the served one would be refused).
    await page.locator('#draft-text').fill(`${saved} Thanks, Ana`);
    expect(await page.locator('#approve-form.edited').count()).toBe(1);
    await page.locator('#approve-form button[type="submit"].primary').click();
    await page.getByTestId('notice').waitFor();
    expect(await page.getByTestId('notice').textContent()).toMatch(/approved|sent/i);
    await page.context().close();
  }, 60_000);
});
