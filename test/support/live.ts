import type { Locator, Page } from 'playwright-core';
import { expect } from 'vitest';
import { createApiKey } from '../../src/auth/api-keys.js';
import { createUserWithRole, screenshot, signIn } from './browser.js';
import { type BrowserStack, runPendingDeliveries, startBrowserStack } from './fixtures.js';
import { seedCustomerFollowUp } from './tickets.js';

export const desktop = { width: 1280, height: 900 };
export const phone = { width: 390, height: 844 };

/**
 * A signed-in agent's own browser session on `path` (a ticket page, the inbox with a ticket
 * open), once `ready` is on screen and the event stream is open: what happens from then on
 * reaches the page.
 */
export async function openLive(
  stack: BrowserStack,
  email: string,
  path: string,
  ready: string,
  viewport = desktop,
): Promise<Page> {
  const context = await stack.browser.newContext({ viewport });
  const page = await context.newPage();
  page.setDefaultTimeout(10_000);
  await signIn(page, stack.server.url, email, path);
  await page.locator(ready).waitFor();
  await page.locator('body[data-live-ready="true"]').waitFor();
  return page;
}

/** A POST to the JSON API with an API key, as an integration would call it. */
export const apiPost = (stack: BrowserStack, key: string, path: string, body?: unknown) =>
  fetch(`${stack.server.url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });

/** A colleague adds an internal note from the ticket page in their own session. */
export async function addNoteAs(
  stack: BrowserStack,
  email: string,
  ticketId: string,
  text: string,
) {
  const colleague = await openLive(stack, email, `/app/tickets/${ticketId}`, '#reply-text');
  await colleague.getByText('Add an internal note').click();
  await colleague.locator('#note-text').fill(text);
  await colleague.getByRole('button', { name: 'Add note' }).click();
  await colleague.getByTestId('notice').filter({ hasText: 'Internal note added' }).waitFor();
  await colleague.context().close();
}

/**
 * The stack for following an open ticket: no SMTP (an approved reply is held, and the page has
 * to say so), the sample knowledge base, an agent API key named `keyName`, and two agents.
 */
export type LiveStack = Awaited<ReturnType<typeof startLiveStack>>;

export async function startLiveStack(keyName: string) {
  const stack = await startBrowserStack({ sampleKb: true });
  const { deps } = stack;
  const apiKey = (await createApiKey(deps.db, { name: keyName, role: 'agent', teamId: null })).key;
  const ana = await createUserWithRole(deps, 'agent');
  const ben = await createUserWithRole(deps, 'agent');
  return { stack, apiKey, ana, ben };
}

/**
 * The end of a run of live changes: nothing asked the agent to reload, nothing scrolls sideways;
 * the page is kept as screenshot `name` and closed.
 */
export async function expectSettled(page: Page, name: string) {
  expect(await page.getByTestId('live-stale').isHidden()).toBe(true);
  expect(
    await page.evaluate(
      'document.documentElement.scrollWidth <= document.documentElement.clientWidth',
    ),
  ).toBe(true);
  await screenshot(page, name);
  await page.context().close();
}

/**
 * The customer writes `followUp`, then the draft is approved through the API and its reply held
 * (no SMTP): `scope` (the ticket page, the inbox's pane) shows each in turn without a reload.
 */
export async function followUpApproveHold(
  stack: BrowserStack,
  apiKey: string,
  scope: Page | Locator,
  ticket: { ticketId: string; draftId: string; followUp: string },
) {
  await seedCustomerFollowUp(stack.deps.db, ticket.ticketId, ticket.followUp, {
    live: stack.deps.live,
  });
  await scope.getByRole('region', { name: 'Conversation' }).getByText(ticket.followUp).waitFor();
  expect((await apiPost(stack, apiKey, `/api/drafts/${ticket.draftId}/approve`)).status).toBe(200);
  await scope
    .getByTestId('draft-status')
    .filter({ hasText: /Approved/ })
    .waitFor();
  expect(await runPendingDeliveries(stack.deps)).toBe(1);
  await scope.getByTestId('draft-status').filter({ hasText: /Held/ }).waitFor();
}
