import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actorNames } from '../../../src/auth/actor-names.js';
import { createApiKey } from '../../../src/auth/api-keys.js';
import { revokeApiKey } from '../../../src/db/queries/api-keys.js';
import { getDeliveryForDraft } from '../../../src/db/queries/drafts.js';
import { listMessages } from '../../../src/db/queries/tickets.js';
import { sendManualReply } from '../../../src/pipeline/reply/manual.js';
import { processDeliver } from '../../../src/queue/processors/deliver.js';
import { type AgentApp, oneAttempt, startAgentApp } from '../../support/agent-app.js';
import { agentActor, seedPendingDraft } from '../../support/drafts.js';
import { pageText } from '../../support/page-text.js';

/**
 * An API key records its actions by its id (`actorOf`); the pages show the key by its name —
 * `API key “zendesk-bot”` — wherever they name who acted: the draft's status line, the versions,
 * the timeline and the sent reply in the conversation, on the ticket page and in the inbox. A key
 * deleted since shows as the first characters of its id. Real Postgres and a real SMTP sink.
 */
let agentApp: AgentApp;
const page = (url: string) => agentApp.page(url);

/** A pending draft approved through the API with `key`, and its reply sent. */
async function approvedByKey(key: string, subject: string) {
  const { deps } = agentApp;
  const { ticketId, draft } = await seedPendingDraft(deps.db, { subject });
  const res = await agentApp.app.request(`/api/drafts/${draft.id}/approve`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: '{}',
  });
  expect(res.status).toBe(200);
  const delivery = await getDeliveryForDraft(deps.db, draft.id);
  await processDeliver(deps, { deliveryId: delivery!.id }, oneAttempt);
  expect((await getDeliveryForDraft(deps.db, draft.id))?.state).toBe('sent');
  return ticketId;
}

beforeAll(async () => {
  agentApp = await startAgentApp();
});
afterAll(() => agentApp?.close());

describe('an API key as the actor', () => {
  it('is shown by its name on the ticket page and in the inbox, never by its id', async () => {
    const { key, record } = await createApiKey(agentApp.deps.db, {
      name: 'zendesk-bot',
      role: 'agent',
    });
    const ticketId = await approvedByKey(key, 'Where is my invoice?');
    const label = 'API key “zendesk-bot”';

    const ticketHtml = await page(`/app/tickets/${ticketId}`);
    const ticket = pageText(ticketHtml);
    expect(ticket).toContain(`Approved by ${label}`); // the draft's status line
    expect(ticket).toMatch(/v1 · [^·]+ · sent by API key “zendesk-bot”/); // versions
    expect(ticket).toContain(`Draft approved by ${label}`); // timeline
    expect(ticket).toContain(`Reply delivered by ${label}`);
    expect(ticket).toContain(`Agent ${label}`); // the sent reply in the conversation
    expect(ticketHtml).not.toContain(record.id);

    const inboxHtml = await page(`/app?ticket=${ticketId}`);
    const inbox = pageText(inboxHtml);
    expect(inbox).toContain(`Approved by ${label}`);
    expect(inbox).toContain(`Agent ${label}`);
    expect(inboxHtml).not.toContain(record.id);
  });

  it('keeps its name once revoked, and reads as a short id once deleted', async () => {
    const { key, record } = await createApiKey(agentApp.deps.db, {
      name: 'old-bot',
      role: 'agent',
    });
    const ticketId = await approvedByKey(key, 'Cancel my plan');
    await revokeApiKey(agentApp.deps.db, record.id);
    expect(pageText(await page(`/app/tickets/${ticketId}`))).toContain(
      'Approved by API key “old-bot”',
    );

    await agentApp.deps.db.execute(sql`delete from api_keys where id = ${record.id}`);
    const html = await page(`/app/tickets/${ticketId}`);
    expect(pageText(html)).toContain(`Approved by API key ${record.id.slice(0, 8)} (deleted)`);
    expect(html).not.toContain(record.id);
  });

  it("is named by its name in the API's conflicts too (a draft another key claimed)", async () => {
    const { db } = agentApp.deps;
    const claimer = await createApiKey(db, { name: 'triage-bot', role: 'agent' });
    const other = await createApiKey(db, { name: 'zendesk-sync', role: 'agent' });
    const { draft } = await seedPendingDraft(db, { subject: 'Claimed by a key' });
    const post = (key: string, action: string) =>
      agentApp.app.request(`/api/drafts/${draft.id}/${action}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: '{}',
      });
    expect((await post(claimer.key, 'claim')).status).toBe(200);
    const refused = await post(other.key, 'approve');
    expect(refused.status).toBe(409);
    const { error } = (await refused.json()) as { error: { message: string } };
    expect(error.message).toBe('Draft is claimed by API key “triage-bot”');
  });

  it('a reply written through a key reads as the key; one written by a person, as their name', async () => {
    const { deps, app } = agentApp;
    const { key, record } = await createApiKey(deps.db, { name: 'helpdesk-sync', role: 'agent' });
    const { ticketId } = await seedPendingDraft(deps.db, { subject: 'Written by hand' });
    let sent = 0;
    /** A reply through the API with `key`, or by a person through the inbox's pipeline; sent. */
    const send = async (text: string, by: { key: string } | { person: string }) => {
      const idempotencyKey = `reply-${ticketId}-${++sent}`;
      let draftId: string;
      if ('key' in by) {
        const res = await app.request(`/api/tickets/${ticketId}/replies`, {
          method: 'POST',
          headers: {
            authorization: `Bearer ${by.key}`,
            'content-type': 'application/json',
            'idempotency-key': idempotencyKey,
          },
          body: JSON.stringify({ text }),
        });
        expect(res.status).toBe(201);
        draftId = ((await res.json()) as { draft: { id: string } }).draft.id;
      } else {
        const result = await sendManualReply(deps, {
          ticketId,
          actor: agentActor(by.person),
          text,
          idempotencyKey,
        });
        if (!result.ok) throw new Error(result.reason);
        draftId = result.draft.id;
      }
      const delivery = await getDeliveryForDraft(deps.db, draftId);
      await processDeliver(deps, { deliveryId: delivery!.id }, oneAttempt);
    };
    await send('Your refund went out today.', { key });
    await send('Following up: the refund should reach your card within 5 days.', {
      person: 'ana@example.com',
    });

    for (const url of [`/app/tickets/${ticketId}`, `/app?ticket=${ticketId}`]) {
      const html = await page(url);
      const text = pageText(html);
      expect(text).toContain('Agent API key “helpdesk-sync” ');
      expect(text).toContain('Agent Ana ');
      expect(html).not.toContain(record.id);
      expect(text).not.toContain('Agent ana@example.com');
    }
    const messages = await listMessages(deps.db, ticketId);
    // Recorded as ids, shown as names: the store keeps what identifies the author.
    expect(messages.filter((m) => m.direction === 'outbound').map((m) => m.authorName)).toEqual([
      record.id,
      'ana@example.com',
    ]);
  });

  it('reads a person as their name, Deskpilot (auto-send) and a deleted account as recorded', async () => {
    const names = await actorNames(agentApp.deps.db, [
      'ana@example.com',
      'gone@example.com',
      'auto-send',
      null,
      undefined,
    ]);
    expect([...names]).toEqual([['ana@example.com', 'Ana']]);
  });
});
