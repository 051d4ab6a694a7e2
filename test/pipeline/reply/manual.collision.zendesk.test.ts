import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../../src/auth/api-keys.js';
import { databaseRoundTrips } from '../../../src/db/client.js';
import { getDeliveryForDraft } from '../../../src/db/queries/drafts.js';
import { listMessages, listTicketEvents } from '../../../src/db/queries/tickets.js';
import { deliver } from '../../../src/pipeline/deliver/deliver.js';
import { fileTestZendeskApp } from '../../support/fixtures.js';
import {
  signedZendeskRequest,
  zendeskCommentAdded,
  zendeskTicketCreated,
} from '../../support/zendesk.js';

/**
 * Agent collision with a reply made in Zendesk itself: a colleague's public comment arriving
 * through the webhook after the agent read the ticket refuses a hand-written reply from Deskpilot
 * like a colleague's Deskpilot reply would. Internal notes, customer comments and the helpdesk's
 * echoes of our own delivered replies do not.
 */
const { deps, app, zendesk } = await fileTestZendeskApp({
  ZENDESK_WRITEBACK: 'false',
  SEND_DELAY_SECONDS: '30',
});
const agents = {} as Record<'ana' | 'ben', { key: string; id: string }>;

beforeAll(async () => {
  for (const name of ['ana', 'ben'] as const) {
    const { key, record } = await createApiKey(deps.db, { name, role: 'agent' });
    agents[name] = { key, id: record.id };
  }
});

async function webhook(body: unknown) {
  const res = await app.request('/webhooks/zendesk', signedZendeskRequest(body));
  expect(res.status, await res.clone().text()).toBeLessThan(300);
  return (await res.json()) as { ticketId: string };
}

async function zendeskTicket(id: string) {
  zendesk.seedTicket({ id });
  return (await webhook(zendeskTicketCreated(id))).ticketId;
}

/** A comment made in Zendesk at `writtenAt`, delivered now. */
function comment(
  ticket: string,
  id: string,
  body: string,
  opts: { staff: boolean; isPublic?: boolean; writtenAt?: Date },
) {
  const event = zendeskCommentAdded(ticket, id, body, opts.staff);
  event.time = (opts.writtenAt ?? new Date()).toISOString();
  event.event.comment.is_public = opts.isPublic ?? true;
  return event;
}

const reply = (
  who: keyof typeof agents,
  ticketId: string,
  body: { text: string; seenAt?: string; force?: boolean },
) =>
  app.request(`/api/tickets/${ticketId}/replies`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${agents[who].key}`,
      'content-type': 'application/json',
      'idempotency-key': randomUUID(),
    },
    body: JSON.stringify(body),
  });

describe('agent collision with a reply made in Zendesk', () => {
  it("a colleague's public Zendesk comment delivered after the agent read the ticket: 409 naming them; force sends", async () => {
    const ticketId = await zendeskTicket('7101');
    const seenAt = new Date();
    // Written in Zendesk just before the agent opened the ticket in Deskpilot, but delivered by
    // the webhook only after: the agent could not have seen it.
    await webhook(
      comment('7101', '71010000001', 'I have reset your password, please try again.', {
        staff: true,
        writtenAt: new Date(seenAt.getTime() - 20_000),
      }),
    );

    const refused = await reply('ana', ticketId, {
      text: 'From Ana.',
      seenAt: seenAt.toISOString(),
    });
    expect(refused.status).toBe(409);
    const { error } = (await refused.json()) as { error: { code: string; message: string } };
    expect(error.code).toBe('conflict');
    expect(error.message).toMatch(/^Not sent: Pat replied in the helpdesk \d+ s ago/);
    expect(error.message).toContain('"force": true');

    const forced = await reply('ana', ticketId, {
      text: 'From Ana.',
      seenAt: seenAt.toISOString(),
      force: true,
    });
    expect(forced.status).toBe(201);
    const draftId = ((await forced.json()) as { draft: { id: string } }).draft.id;
    const helpdeskReply = (await listMessages(deps.db, ticketId)).find(
      (m) => m.externalId === '71010000001',
    )!;
    const replied = (await listTicketEvents(deps.db, ticketId)).find(
      (e) => e.type === 'replied' && e.data.draftId === draftId,
    );
    expect(replied?.data).toMatchObject({
      collidedWith: helpdeskReply.id,
      collidedWithSource: 'helpdesk',
    });
  });

  it('internal notes, customer comments and comments the agent had already seen are not collisions', async () => {
    const ticketId = await zendeskTicket('7102');
    await webhook(comment('7102', '71020000001', 'Answered on the phone.', { staff: true }));
    const seenAt = new Date(Date.now() + 5);
    await new Promise((r) => setTimeout(r, 10));
    await webhook(
      comment('7102', '71020000002', 'Looks like a billing issue.', {
        staff: true,
        isPublic: false,
      }),
    );
    await webhook(comment('7102', '71020000003', 'Any news?', { staff: false }));
    expect(
      (await reply('ben', ticketId, { text: 'From Ben.', seenAt: seenAt.toISOString() })).status,
    ).toBe(201);
  });

  it('our own delivered reply, echoed back by Zendesk, is not a colleague’s reply', async () => {
    const ticketId = await zendeskTicket('7103');
    const seenAt = new Date(Date.now() - 1000).toISOString();
    const first = await reply('ana', ticketId, { text: 'Ana, first.' });
    expect(first.status).toBe(201);
    const draftId = ((await first.json()) as { draft: { id: string } }).draft.id;
    const delivery = (await getDeliveryForDraft(deps.db, draftId))!;
    const before = databaseRoundTrips();
    expect(await deliver(deps, delivery.id, { finalAttempt: false })).toBe('sent');
    // The read, the claim, the record (one statement, as for email).
    expect(databaseRoundTrips() - before).toBe(3);
    const posted = zendesk.ticket('7103').comments.at(-1)!;
    await webhook(comment('7103', posted.id, posted.body, { staff: true }));
    expect((await listMessages(deps.db, ticketId)).map((m) => m.authorKind)).toEqual([
      'customer',
      'agent',
    ]);

    expect((await reply('ana', ticketId, { text: 'Ana, again.', seenAt })).status).toBe(201);
  });
});
