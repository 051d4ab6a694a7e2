import { describe, expect, it } from 'vitest';
import {
  getDeliveryForDraft,
  getDraft,
  transitionDelivery,
} from '../../../../src/db/queries/drafts.js';
import { getTicket, listMessages } from '../../../../src/db/queries/tickets.js';
import { getTriage } from '../../../../src/db/queries/triage.js';
import { autoSendPolicies } from '../../../../src/db/schema/drafts.js';
import { zendeskTriggerTemplate } from '../../../../src/ingest/zendesk/payload.js';
import { metricsSummary, refreshTicketMetrics } from '../../../../src/metrics/index.js';
import { deliver } from '../../../../src/pipeline/deliver/deliver.js';
import { draftReply } from '../../../../src/pipeline/draft/draft.js';
import { approveDraft } from '../../../../src/pipeline/review/actions.js';
import { triageTicket } from '../../../../src/pipeline/triage/triage.js';
import { agentActor } from '../../../support/drafts.js';
import { fileTestZendeskApp } from '../../../support/fixtures.js';
import {
  signedZendeskRequest,
  zendeskCommentAdded,
  zendeskTicketCreated,
} from '../../../support/zendesk.js';

/*
 * A reply Deskpilot delivered to Zendesk comes back to it: through an "is created or updated"
 * trigger (which renders the comment without its id) or a comment event that can overtake the
 * transaction recording the send. It is the delivered message already stored, never a second
 * reply, and never a human agent's reply when the AI sent it.
 */

const { deps, app, zendesk } = await fileTestZendeskApp(
  { ZENDESK_WRITEBACK: 'false' },
  { sampleKb: true },
);

async function post(body: unknown) {
  const res = await app.request('/webhooks/zendesk', signedZendeskRequest(body));
  expect(res.status, await res.clone().text()).toBeLessThan(300);
  return (await res.json()) as { ticketId: string };
}

/** A Zendesk ticket asking how to reset a password, created at `createdAt`, triaged and drafted. */
async function draftedTicket(id: string, createdAt: string) {
  zendesk.seedTicket({ id });
  const event = zendeskTicketCreated(id, {
    subject: 'Forgot my password',
    description: 'I cannot log in, I forgot my password. How do I reset it?',
  });
  event.detail.created_at = createdAt;
  const { ticketId } = await post(event);
  await triageTicket(deps, { ticketId });
  return ticketId;
}

async function draft(ticketId: string) {
  const outcome = await draftReply(deps, { ticketId });
  if (outcome.status !== 'drafted') throw new Error(`not drafted: ${outcome.reason}`);
  return outcome.draft;
}

/** `{{ticket.latest_comment}}` and friends as the README's trigger body renders them. */
function triggerEcho(id: string, body: string, authorEmail: string) {
  const rendered = structuredClone(zendeskTriggerTemplate) as Record<string, unknown>;
  rendered.ticket = {
    id,
    subject: 'Forgot my password',
    status: 'Pending',
    priority: 'Normal',
    tags: '',
    via: 'Web Form',
    updated_at: new Date().toISOString(),
    requester: { email: 'robin@example.net', name: 'Robin' },
  };
  rendered.comment = { body, is_public: 'true', author_email: authorEmail };
  return rendered;
}

async function summaryFor(ticketId: string) {
  await refreshTicketMetrics(deps.db, deps.config, { ticketIds: [ticketId] });
  const ticket = (await getTicket(deps.db, ticketId))!;
  return metricsSummary(deps.db, deps.config, {
    from: new Date(ticket.createdAt.getTime() - 1000),
    to: new Date(ticket.createdAt.getTime() + 1000),
  });
}

describe('echoes of delivered Zendesk replies', () => {
  it('an auto-sent reply echoed by a trigger stays the AI reply: no human first reply appears', async () => {
    const ticketId = await draftedTicket('5101', '2026-11-02T10:00:00Z');
    const triage = (await getTriage(deps.db, ticketId))!;
    await deps.db.insert(autoSendPolicies).values({
      category: triage.category,
      enabled: true,
      minConfidence: 0,
      minUnchangedRate: 0,
      minSample: 0,
    });
    const sent = await draft(ticketId);
    // The other tests approve by hand.
    await deps.db.delete(autoSendPolicies);
    expect((await getDraft(deps.db, sent.id))?.autoSent).toBe(true);
    const delivery = (await getDeliveryForDraft(deps.db, sent.id))!;
    expect(await deliver(deps, delivery.id, { finalAttempt: false })).toBe('sent');
    const comment = zendesk.ticket('5101').comments.at(-1)!;

    // Zendesk's trigger fires on our comment, written by the API user Deskpilot posts as. It
    // renders the comment as Markdown: other line breaks, escaped brackets.
    const rendered = comment.body.replace(/\n/g, '\r\n').replace(/[[\]]/g, (c) => `\\${c}`);
    expect(rendered).not.toBe(comment.body);
    await post(triggerEcho('5101', `${rendered}\n`, zendesk.email));

    const messages = await listMessages(deps.db, ticketId);
    expect(messages.map((m) => [m.direction, m.authorKind, m.public])).toEqual([
      ['inbound', 'customer', true],
      ['outbound', 'ai', true],
    ]);
    const summary = await summaryFor(ticketId);
    expect(summary.replied).toBe(0);
    expect(summary.aiReplied).toBe(1);
  });

  it('a comment event that overtakes the record of the send is not stored twice', async () => {
    const ticketId = await draftedTicket('5102', '2026-11-02T11:00:00Z');
    const pending = await draft(ticketId);
    const approved = await approveDraft(deps, {
      draftId: pending.id,
      actor: agentActor('agent-1'),
    });
    expect(approved.ok).toBe(true);
    const delivery = (await getDeliveryForDraft(deps.db, pending.id))!;
    // The worker has claimed the delivery and Zendesk has posted the comment; its event arrives
    // before the worker records the send.
    await transitionDelivery(deps.db, delivery.id, ['pending'], { state: 'sending' });
    const text = (await getDraft(deps.db, pending.id))!.bodyText;
    await post(zendeskCommentAdded('5102', '99000000000000001', text, true));
    expect(await listMessages(deps.db, ticketId)).toHaveLength(1);

    expect(await deliver(deps, delivery.id, { finalAttempt: false })).toBe('sent');
    const messages = await listMessages(deps.db, ticketId);
    expect(messages.map((m) => [m.direction, m.authorKind])).toEqual([
      ['inbound', 'customer'],
      ['outbound', 'agent'],
    ]);
    // The first reply is the delivered one, at the time it was sent.
    const summary = await summaryFor(ticketId);
    expect(summary.replied).toBe(1);
    const ticket = (await getTicket(deps.db, ticketId))!;
    const sentHours = (messages[1]!.sentAt!.getTime() - ticket.createdAt.getTime()) / 3_600_000;
    expect(summary.firstResponseMedianHours).toBeCloseTo(sentHours, 3);
  });

  it('the same text posted by an agent after a failed delivery is a reply', async () => {
    const ticketId = await draftedTicket('5103', '2026-11-02T12:00:00Z');
    const pending = await draft(ticketId);
    expect((await approveDraft(deps, { draftId: pending.id, actor: agentActor('a') })).ok).toBe(
      true,
    );
    const delivery = (await getDeliveryForDraft(deps.db, pending.id))!;
    await transitionDelivery(deps.db, delivery.id, ['pending'], { state: 'failed' });
    const text = (await getDraft(deps.db, pending.id))!.bodyText;

    await post(triggerEcho('5103', text, 'sam@acme.example'));
    const messages = await listMessages(deps.db, ticketId);
    expect(messages.map((m) => [m.direction, m.authorKind])).toEqual([
      ['inbound', 'customer'],
      ['outbound', 'agent'],
    ]);
    expect((await summaryFor(ticketId)).replied).toBe(1);
  });
});
