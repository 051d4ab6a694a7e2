import { sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { createUser } from '../../../src/auth/users.js';
import {
  getDelivery,
  getDeliveryForDraft,
  getDraft,
  latestDraftForTicket,
} from '../../../src/db/queries/drafts.js';
import { approveDraft } from '../../../src/pipeline/review/actions.js';
import { triageTicket } from '../../../src/pipeline/triage/triage.js';
import { processDeliver } from '../../../src/queue/processors/deliver.js';
import { processDraft } from '../../../src/queue/processors/draft.js';
import { agentActor } from '../../support/drafts.js';
import { fileTestMailApp } from '../../support/fixtures.js';
import { signInOverHttp } from '../../support/sign-in.js';
import { seedEmailTicket } from '../../support/tickets.js';

/** The inbox's special states: automated mail, failed and uncertain deliveries, extractive drafts. */
const { deps, app, smtp } = await fileTestMailApp({}, { sampleKb: true });
let cookie: string;
let csrf: string;
const password = 'a long enough password';

beforeAll(async () => {
  await createUser(deps.db, { email: 'ana@example.com', name: 'Ana', role: 'agent', password });
  ({ cookie, csrf } = await signInOverHttp(app, deps.db, 'ana@example.com', password));
});

const page = async (url: string) => {
  const res = await app.request(url, { headers: { cookie } });
  expect(res.status).toBe(200);
  return res.text();
};
const post = (url: string, fields: Record<string, string>) =>
  app.request(url, {
    method: 'POST',
    headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ _csrf: csrf, ...fields }).toString(),
  });

async function approvedDelivery(from: string) {
  const { ticketId } = await seedEmailTicket(deps.db, {
    from,
    subject: `Password help for ${from}`,
  });
  await triageTicket(deps, { ticketId });
  const drafted = await processDraft(deps, { ticketId }, {} as never);
  const draftId = (drafted as { draftId: string }).draftId;
  const result = await approveDraft(deps, { draftId, actor: agentActor('ana@example.com') });
  expect(result.ok).toBe(true);
  return { ticketId, draftId, delivery: (await getDeliveryForDraft(deps.db, draftId))! };
}
const job = { attemptsMade: 0, opts: { attempts: 1 } } as never;

describe('inbox states', () => {
  it('shows automated mail as such, with no draft and no reply', async () => {
    const { ticketId } = await seedEmailTicket(deps.db, {
      subject: 'Automatic reply: out of office',
      automated: true,
    });
    await deps.db.execute(
      sql`update tickets set automated_reason = 'auto-submitted: auto-replied' where id = ${ticketId}`,
    );
    const list = await page('/app?tab=automated');
    expect(list).toContain('Automatic reply: out of office');
    const html = await page(`/app?tab=automated&ticket=${ticketId}`);
    expect(html).toContain('data-testid="automated-banner"');
    expect(html).toContain('auto-submitted: auto-replied');
    expect(html).toContain('never replies to automated senders');
    expect(html).not.toContain('id="approve-form"');
    // The triage panel says why there is no triage, not that one is still coming.
    expect(html).toContain('Not triaged: automated mail is recorded, never triaged or answered.');
    expect(html).not.toContain('Not triaged yet.');
  });

  it('a ticket with no requester address offers no reply form, says why, and keeps notes', async () => {
    const { ticketId } = await seedEmailTicket(deps.db, { subject: 'Sent without a From' });
    await deps.db.execute(sql`update tickets set requester_email = null where id = ${ticketId}`);
    const html = await page(`/app/tickets/${ticketId}`);
    expect(html).toContain('data-testid="no-recipient"');
    expect(html).toContain(
      'No way to reach the customer: the message it came from had no sender address',
    );
    expect(html).not.toContain('id="reply-form"');
    // Internal notes still can be added.
    expect(html).toContain('id="note-text"');
    // With an address, the composer is there.
    const { ticketId: addressed } = await seedEmailTicket(deps.db, { subject: 'With a From' });
    expect(await page(`/app/tickets/${addressed}`)).toContain('id="reply-form"');
  });

  it('labels extractive drafts so the agent knows no model wrote them', async () => {
    const { ticketId } = await seedEmailTicket(deps.db, { from: 'ext@example.net' });
    await triageTicket(deps, { ticketId });
    await processDraft(deps, { ticketId }, {} as never);
    const html = await page(`/app?ticket=${ticketId}`);
    expect(html).toContain('Extractive (quoted from KB)');
    expect(html).toContain('this draft quotes knowledge-base passages');
  });

  it('an abstained draft leads to the ticket page, where an article goes in with its citation', async () => {
    const { ticketId } = await seedEmailTicket(deps.db, {
      from: 'podcast@example.net',
      subject: 'Partnership proposal',
      body: 'Would you like to sponsor our podcast?',
    });
    await triageTicket(deps, { ticketId });
    await processDraft(deps, { ticketId }, {} as never);
    expect((await latestDraftForTicket(deps.db, ticketId))?.state).toBe('abstained');
    const html = await page(`/app?ticket=${ticketId}`);
    expect(html).toMatch(
      new RegExp(`<a href="/app/tickets/${ticketId}" data-testid="answer-on-ticket-page">`),
    );
    const ticketPage = await page(`/app/tickets/${ticketId}`);
    expect(ticketPage).toContain('id="reply-form"');
    expect(ticketPage).toContain('<section class="kb-panel" aria-label="Knowledge base">');
  });

  it('says what Regenerate will do with the instructions until the new version arrives', async () => {
    const { ticketId } = await seedEmailTicket(deps.db, { from: 'regen@example.net' });
    await triageTicket(deps, { ticketId });
    const drafted = await processDraft(deps, { ticketId }, {} as never);
    const draftId = (drafted as { draftId: string }).draftId;
    const res = await post(`/app/drafts/${draftId}/regenerate`, {
      back: '/app',
      instructions: 'shorter, and offer a phone call',
    });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toContain('notice=regenerating');
    const html = await page(`/app?ticket=${ticketId}`);
    expect(html).toContain('data-testid="regenerate-will-do"');
    expect(html).toContain('Will apply: shorter.');
    expect(html).toContain('Not understood without an LLM: offer a phone call.');
  });

  it('lists a failed delivery and sends it again on request, exactly once', async () => {
    const { ticketId, draftId, delivery } = await approvedDelivery('failed@example.net');
    smtp.rejectNext(1, 550, { stage: 'rcpt', message: 'mailbox unavailable' });
    await expect(processDeliver(deps, { deliveryId: delivery.id }, job)).resolves.toEqual({
      state: 'failed',
    });
    expect((await getDraft(deps.db, draftId))?.status).toBe('delivery_failed');

    const list = await page('/app?tab=problems');
    expect(list).toContain('Password help for failed@example.net');
    const detail = await page(`/app?tab=problems&ticket=${ticketId}`);
    expect(detail).toContain(`/app/deliveries/${delivery.id}/retry`);
    expect(detail).toContain('Delivery failed');

    const retried = await post(`/app/deliveries/${delivery.id}/retry`, {
      back: '/app?tab=problems',
    });
    expect(retried.headers.get('location')).toBe('/app?tab=problems&notice=retried');
    expect((await getDelivery(deps.db, delivery.id))?.state).toBe('pending');
    expect((await getDraft(deps.db, draftId))?.status).toBe('approved');
    // A second click changes nothing.
    const again = await post(`/app/deliveries/${delivery.id}/retry`, { back: '/app' });
    expect(again.headers.get('location')).toBe('/app?notice=not_retryable');

    await processDeliver(deps, { deliveryId: delivery.id }, job);
    expect((await getDelivery(deps.db, delivery.id))?.state).toBe('sent');
    expect(
      smtp.received.filter((m) => m.envelope.rcptTo.includes('failed@example.net')),
    ).toHaveLength(1);
  });

  it('an uncertain delivery is only sent again once the agent confirms it did not arrive', async () => {
    const { delivery } = await approvedDelivery('unsure@example.net');
    await deps.db.execute(sql`update deliveries set state = 'uncertain' where id = ${delivery.id}`);
    const refused = await post(`/app/deliveries/${delivery.id}/retry`, { back: '/app' });
    expect(refused.headers.get('location')).toBe('/app?notice=confirm');
    expect((await getDelivery(deps.db, delivery.id))?.state).toBe('uncertain');
    const confirmed = await post(`/app/deliveries/${delivery.id}/retry`, {
      back: '/app',
      confirm: 'yes',
    });
    expect(confirmed.headers.get('location')).toBe('/app?notice=retried');
    expect((await getDelivery(deps.db, delivery.id))?.state).toBe('pending');
  });
});
