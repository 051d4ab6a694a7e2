import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../../../src/auth/api-keys.js';
import { insertDraft, transitionDraft } from '../../../../src/db/queries/drafts.js';
import { getTicket, listMessages, listTicketEvents } from '../../../../src/db/queries/tickets.js';
import { saveTriage } from '../../../../src/db/queries/triage.js';
import { fileTestMailApp, runPendingDeliveries } from '../../../support/fixtures.js';
import { parseReceived } from '../../../support/smtp-server.js';
import { seedEmailTicket } from '../../../support/tickets.js';

/**
 * POST /api/tickets/{id}/replies: a reply written by hand goes out through the same exactly-once
 * delivery as an approved draft. The same request twice (same Idempotency-Key) sends once; the
 * reply is threaded under the customer's mail; the ticket leaves "Needs a human reply".
 */
const { deps, app, smtp } = await fileTestMailApp({}, { sampleKb: true });
let agentKey: string;
let billingKey: string;

beforeAll(async () => {
  agentKey = (await createApiKey(deps.db, { name: 'agent', role: 'agent' })).key;
  billingKey = (await createApiKey(deps.db, { name: 'b', role: 'agent', teamId: 'billing' })).key;
});

const runDeliveries = () => runPendingDeliveries(deps);

async function rejectedTicket(from: string) {
  const { ticketId, messageId } = await seedEmailTicket(deps.db, {
    subject: 'Charged twice',
    body: 'You charged my card twice for order 88.',
    from,
  });
  const draft = await insertDraft(deps.db, {
    ticketId,
    kind: 'extractive',
    bodyText: 'x',
    model: 't',
  });
  await transitionDraft(deps.db, draft.id, { status: 'pending_approval' }, { status: 'rejected' });
  return { ticketId, messageId };
}

const post = (ticketId: string, key: string | null, body: unknown, who = agentKey) =>
  app.request(`/api/tickets/${ticketId}/replies`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${who}`,
      'content-type': 'application/json',
      ...(key ? { 'idempotency-key': key } : {}),
    },
    body: JSON.stringify(body),
  });

const needsHuman = async () => {
  const res = await app.request('/api/tickets?view=needs_human', {
    headers: { authorization: `Bearer ${agentKey}` },
  });
  return ((await res.json()) as { items: { id: string }[] }).items.map((i) => i.id);
};

describe('POST /api/tickets/{id}/replies', () => {
  it('the same request twice sends once, threaded, and the ticket leaves "Needs a human reply"', async () => {
    const { ticketId, messageId } = await rejectedTicket('twice@example.net');
    expect(await needsHuman()).toContain(ticketId);
    const key = randomUUID();
    const text = 'Sorry about that — the second charge has been refunded today.';

    const first = await post(ticketId, key, { text });
    expect(first.status).toBe(201);
    const firstBody = (await first.json()) as { draft: { id: string; kind: string } };
    expect(firstBody.draft.kind).toBe('manual');
    // A client retry (timeout, double click): same answer, nothing new.
    const second = await post(ticketId, key, { text });
    expect(second.status).toBe(200);
    expect(((await second.json()) as { draft: { id: string } }).draft.id).toBe(firstBody.draft.id);
    // Both at once, too.
    const concurrentKey = randomUUID();
    const [a, b] = await Promise.all([
      post(ticketId, concurrentKey, { text: 'And a follow-up.' }),
      post(ticketId, concurrentKey, { text: 'And a follow-up.' }),
    ]);
    expect([a.status, b.status].sort()).toEqual([200, 201]);

    expect((await getTicket(deps.db, ticketId))?.draftState).toBe('sending');
    expect(await needsHuman()).not.toContain(ticketId);

    expect(await runDeliveries()).toBe(2);
    expect(await runDeliveries()).toBe(0);
    const mail = smtp.received.filter((m) => m.envelope.rcptTo.includes('twice@example.net'));
    expect(mail).toHaveLength(2);
    const parsed = await parseReceived(mail[0]!);
    expect(parsed.text).toContain('second charge has been refunded');
    // Threaded under the customer's message, with the reply address, and not marked automatic.
    expect(parsed.inReplyTo).toBe(`<${messageId}>`);
    expect(parsed.headers.get('auto-submitted')).toBeUndefined();
    expect(String(parsed.replyTo?.text)).toMatch(/support\+[a-f0-9]+@deskpilot\.test/);

    expect((await getTicket(deps.db, ticketId))?.draftState).toBe('answered');
    const outbound = (await listMessages(deps.db, ticketId)).filter(
      (m) => m.direction === 'outbound',
    );
    expect(outbound.map((m) => m.authorKind)).toEqual(['agent', 'agent']);
    const events = (await listTicketEvents(deps.db, ticketId)).map((e) => e.type);
    expect(events.filter((e) => e === 'replied')).toHaveLength(2);
    expect(events.filter((e) => e === 'sent')).toHaveLength(2);
  });

  it('refuses the same key with another text, a missing key, and automated mail', async () => {
    const { ticketId } = await rejectedTicket('conflict@example.net');
    const key = randomUUID();
    expect((await post(ticketId, key, { text: 'First version.' })).status).toBe(201);
    const conflict = await post(ticketId, key, { text: 'A different text.' });
    expect(conflict.status).toBe(409);
    expect(((await conflict.json()) as { error: { message: string } }).error.message).toContain(
      'Idempotency-Key',
    );
    const missing = await post(ticketId, null, { text: 'No key.' });
    expect(missing.status).toBe(400);
    expect(((await missing.json()) as { error: { message: string } }).error.message).toContain(
      'idempotency-key',
    );
    const empty = await post(ticketId, randomUUID(), { text: '   ' });
    expect(empty.status).toBe(400);
    expect(((await empty.json()) as { error: { message: string } }).error.message).toContain(
      'text',
    );

    const { ticketId: bounce } = await seedEmailTicket(deps.db, {
      subject: 'Undeliverable',
      body: 'Mail delivery failed',
      from: 'mailer-daemon@example.net',
      automated: true,
    });
    const refused = await post(bounce, randomUUID(), { text: 'Hello robot' });
    expect(refused.status).toBe(409);
    await runDeliveries();
    expect(
      smtp.received.filter((m) => m.envelope.rcptTo.includes('mailer-daemon@example.net')),
    ).toHaveLength(0);
  });

  it('keeps cited KB passages as citations; another team cannot reply (404, nothing sent)', async () => {
    const { ticketId } = await rejectedTicket('cite@example.net');
    const search = await app.request('/api/kb/search', {
      method: 'POST',
      headers: { authorization: `Bearer ${agentKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ query: 'refund', limit: 1 }),
    });
    const passage = ((await search.json()) as { passages: { chunkId: string; title: string }[] })
      .passages[0]!;
    const res = await post(ticketId, randomUUID(), {
      text: 'See our policy.',
      citations: [{ chunkId: passage.chunkId }],
    });
    expect(res.status).toBe(201);
    const { draft } = (await res.json()) as { draft: { citations: { title: string }[] } };
    expect(draft.citations).toMatchObject([{ title: passage.title }]);

    await saveTriage(deps.db, {
      ticketId,
      category: 'shipping',
      confidence: 0.9,
      decidedBy: 'classifier',
      priority: 'normal',
      sentiment: 'neutral',
      team: 'fulfilment',
    });
    const hidden = await post(ticketId, randomUUID(), { text: 'Not mine.' }, billingKey);
    expect(hidden.status).toBe(404);
  });
});
