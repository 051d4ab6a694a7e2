import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { latestDraftForTicket, listDraftsForTicket } from '../../../src/db/queries/drafts.js';
import { getTicket } from '../../../src/db/queries/tickets.js';
import { createUserWithRole, screenshot, signIn } from '../../support/browser.js';
import type { TestDeps } from '../../support/deps.js';
import {
  type BrowserStack,
  runPendingDeliveries,
  seedDraftedTicket,
  startBrowserStack,
} from '../../support/fixtures.js';
import { parseReceived, type TestSmtpServer } from '../../support/smtp-server.js';

/**
 * Every ticket reachable, in a real browser (Debian's Chromium) against the real app: a rejected
 * draft leaves its ticket in "Needs a human reply"; the agent finds it there, writes the reply on
 * the ticket page with a knowledge-base passage inserted with its citation, sends it, the reply is
 * delivered once to the SMTP sink, and the ticket leaves the view.
 */
let stack: BrowserStack;
let deps: TestDeps;
let smtp: TestSmtpServer;
let server: { url: string; close(): Promise<void> };
let browser: Browser;
let agentEmail: string;
let ticketId: string;
const customer = 'double.charge@example.net';
const subject = 'Charged twice for my order';

const runDeliveries = () => runPendingDeliveries(deps);

const customerMail = () => smtp.received.filter((m) => m.envelope.rcptTo.includes(customer));

async function hasNoSidewaysScroll(page: Page) {
  return page.evaluate(
    'document.documentElement.scrollWidth <= document.documentElement.clientWidth',
  );
}

beforeAll(async () => {
  stack = await startBrowserStack({ smtp: true, sampleKb: true });
  ({ deps, server, browser } = stack);
  smtp = stack.smtp!;
  ({ ticketId } = await seedDraftedTicket(deps, {
    subject,
    body: 'My card was charged two times for order 5512. Please give me my money back.',
    from: customer,
    name: 'Dana Double',
  }));
  agentEmail = await createUserWithRole(deps, 'agent');
}, 180_000);

afterAll(() => stack?.close());

describe('tickets: reject → needs a human reply → reply by hand → delivered once', () => {
  it('walks the whole path in the browser', async () => {
    const page = await browser.newPage();
    page.setDefaultTimeout(8000);
    await signIn(page, server.url, agentEmail);

    // Reject the draft in the inbox.
    await page.goto(`${server.url}/app?ticket=${ticketId}`);
    await page.getByLabel('Reject because').selectOption('Wrong answer');
    await page.getByRole('button', { name: 'Reject' }).click();
    await page.getByTestId('notice').waitFor();
    expect(await page.getByTestId('notice').textContent()).toContain('Draft rejected');
    expect((await latestDraftForTicket(deps.db, ticketId))?.status).toBe('rejected');

    // Tickets → "Needs a human reply": the ticket is there.
    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Tickets' })
      .click();
    await page.getByRole('link', { name: 'Needs a human reply' }).click();
    await page.getByRole('heading', { level: 1, name: 'Needs a human reply' }).waitFor();
    const row = page.locator(`[data-ticket-id="${ticketId}"]`);
    await row.waitFor();
    expect(await row.locator('[data-draft-state]').textContent()).toBe('draft rejected');
    await screenshot(page, 'tickets-needs-human');

    // The ticket page: conversation, triage, the rejected draft, the timeline.
    await row.getByRole('link', { name: subject }).click();
    await page.getByRole('heading', { level: 1, name: subject }).waitFor();
    expect(await page.getByRole('region', { name: 'Conversation' }).textContent()).toContain(
      'charged two times',
    );
    const timeline = page.getByRole('region', { name: 'Timeline' });
    expect(await timeline.locator('[data-event="rejected"]').count()).toBe(1);
    expect(await timeline.locator('[data-event="triaged"]').count()).toBe(1);

    // Write the reply with a knowledge-base passage inserted with its citation.
    await page.getByLabel(/Your reply to Dana Double/).fill('Hello Dana,');
    await page.getByLabel('Search the knowledge base').fill('charged twice');
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    const passage = page.locator('.kb-passage').filter({ hasText: 'charged twice' }).first();
    await passage.waitFor();
    await passage.getByRole('button', { name: 'Insert with citation' }).click();
    const text = await page.getByLabel(/Your reply to Dana Double/).inputValue();
    expect(text).toMatch(/^Hello Dana,\n\n.*charged twice/s);
    expect(text).toContain('(Source: Refunds › Double charges)');
    await screenshot(page, 'ticket-compose');
    await page.getByRole('button', { name: 'Send reply' }).click();
    await page.getByTestId('notice').waitFor();
    expect(await page.getByTestId('notice').textContent()).toContain('Reply sent');

    // Delivered once, by the same path as an approved draft, with the passage and its source.
    expect(await runDeliveries()).toBe(1);
    expect(await runDeliveries()).toBe(0);
    expect(customerMail()).toHaveLength(1);
    const mail = await parseReceived(customerMail()[0]!);
    expect(mail.text).toContain('Hello Dana,');
    expect(mail.text).toContain('charged twice');
    expect(mail.text).toContain('Source: Refunds › Double charges');
    const manual = (await listDraftsForTicket(deps.db, ticketId)).at(-1)!;
    expect(manual).toMatchObject({ kind: 'manual', status: 'sent', decidedBy: agentEmail });
    expect(manual.citations.map((c) => c.title)).toEqual(['Refunds']);
    expect((await getTicket(deps.db, ticketId))?.draftState).toBe('answered');

    // The ticket has left the view; the page shows the reply in the conversation.
    await page.goto(`${server.url}/app/tickets?view=needs_human`);
    await page.getByRole('heading', { level: 1, name: 'Needs a human reply' }).waitFor();
    expect(await page.locator(`[data-ticket-id="${ticketId}"]`).count()).toBe(0);
    await page.goto(`${server.url}/app/tickets/${ticketId}`);
    expect(
      await page.getByRole('region', { name: 'Conversation' }).getByText('Hello Dana,').count(),
    ).toBe(1);
    // Sending the same form again (a resubmit) sends nothing more.
    await page.close();
  });

  it('adds an internal note that is never sent, and searches the list', async () => {
    const page = await browser.newPage();
    await signIn(page, server.url, agentEmail, `/app/tickets/${ticketId}`);
    await page.getByText('Add an internal note').click();
    await page
      .getByLabel('Internal note (never sent to the customer)')
      .fill('Refund issued in Stripe.');
    await page.getByRole('button', { name: 'Add note' }).click();
    await page.getByTestId('notice').waitFor();
    const noteText = await page
      .getByRole('article', { name: 'Internal note message' })
      .textContent();
    expect(noteText).toContain('Refund issued in Stripe.');
    // A note is added to the ticket, never "sent".
    expect(noteText).toContain('added');
    expect(noteText).not.toMatch(/\bsent\b/);
    expect(await runDeliveries()).toBe(0);
    expect(customerMail()).toHaveLength(1);

    await page.goto(`${server.url}/app/tickets`);
    await page.getByRole('searchbox', { name: 'Search' }).fill('5512');
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.locator(`[data-ticket-id="${ticketId}"]`).waitFor();
    expect(await page.locator('.ticket-row').count()).toBe(1);

    // Saved as a view of this agent's: listed, applied by its link, deleted.
    await page.getByLabel('Save these filters as').fill('Order 5512');
    await page.getByRole('button', { name: 'Save view' }).click();
    await page.getByRole('heading', { level: 1, name: 'Order 5512' }).waitFor();
    expect(new URL(page.url()).searchParams.get('view')).toMatch(/^[0-9a-f-]{36}$/);
    expect(await page.locator('.ticket-row').count()).toBe(1);
    await page.goto(`${server.url}/app/tickets?view=needs_human`);
    await page
      .getByRole('navigation', { name: 'Views' })
      .getByRole('link', { name: 'Order 5512' })
      .click();
    await page.locator(`[data-ticket-id="${ticketId}"]`).waitFor();
    await page.getByRole('button', { name: 'Delete saved view Order 5512' }).click();
    await page.getByTestId('notice').waitFor();
    expect(await page.getByRole('link', { name: 'Order 5512' }).count()).toBe(0);
    await page.close();
  });

  it('the list and the ticket page do not scroll sideways at 390 px', async () => {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
    const page = await context.newPage();
    await signIn(page, server.url, agentEmail, '/app/tickets');
    expect(await hasNoSidewaysScroll(page)).toBe(true);
    await screenshot(page, 'tickets-390');
    await page.goto(`${server.url}/app/tickets/${ticketId}?kbq=refund`);
    await page.locator('.kb-passage').first().waitFor();
    expect(await hasNoSidewaysScroll(page)).toBe(true);
    await screenshot(page, 'ticket-390');
    await context.close();
  });

  it('answers 404 for a ticket that does not exist', async () => {
    const page = await browser.newPage();
    await signIn(page, server.url, agentEmail, '/app/tickets');
    const res = await page.goto(`${server.url}/app/tickets/00000000-0000-4000-8000-000000000000`);
    expect(res?.status()).toBe(404);
    await page.close();
  });
});
