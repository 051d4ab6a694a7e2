import { describe, expect, it } from 'vitest';
import { getTicket, listMessages, listTicketEvents } from '../../../../src/db/queries/tickets.js';
import { zendeskTriggerTemplate } from '../../../../src/ingest/zendesk/payload.js';
import { fileTestApp } from '../../../support/fixtures.js';
import { countRows } from '../../../support/rows.js';
import {
  signedZendeskRequest,
  zendeskCommentAdded,
  zendeskStatusChanged,
  zendeskTicketCreated,
} from '../../../support/zendesk.js';

const { deps, app } = await fileTestApp();

describe('POST /webhooks/zendesk (happy paths)', () => {
  it('creates a ticket, its first message, events and a triage outbox row', async () => {
    const res = await app.request(
      '/webhooks/zendesk',
      signedZendeskRequest(zendeskTicketCreated('1001')),
    );
    expect(res.status).toBe(202);
    const body = (await res.json()) as { status: string; ticketId: string };
    expect(body.status).toBe('accepted');
    const ticket = await getTicket(deps.db, body.ticketId);
    expect(ticket).toMatchObject({
      source: 'zendesk',
      externalId: '1001',
      status: 'new',
      channel: 'web',
    });
    const messages = await listMessages(deps.db, body.ticketId);
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatchObject({ authorKind: 'customer', direction: 'inbound' });
    const events = await listTicketEvents(deps.db, body.ticketId);
    expect(events.map((e) => e.type)).toEqual(['created', 'message_received']);
  });

  it('stores text containing NUL characters (Postgres text cannot hold them) instead of failing', async () => {
    const res = await app.request(
      '/webhooks/zendesk',
      signedZendeskRequest(
        zendeskTicketCreated('1002', { subject: 'Bad\u0000 paste', description: 'a\u0000b' }),
      ),
    );
    expect(res.status).toBe(202);
    const { ticketId } = (await res.json()) as { ticketId: string };
    expect((await getTicket(deps.db, ticketId))?.subject).toBe('Bad paste');
    expect((await listMessages(deps.db, ticketId))[0]?.bodyText).toBe('ab');
  });

  it('keeps ids above 2^53 exact', async () => {
    const big = '9007199254740993123';
    const raw = JSON.stringify(zendeskTicketCreated('0')).replace('"id":"0"', `"id":${big}`);
    const res = await app.request(
      '/webhooks/zendesk',
      signedZendeskRequest(null, { rawBody: raw }),
    );
    expect(res.status).toBe(202);
    const { ticketId } = (await res.json()) as { ticketId: string };
    expect((await getTicket(deps.db, ticketId))?.externalId).toBe(big);
  });

  it('threads comments, does not store the description twice, and tracks solve/reopen', async () => {
    const created = await app.request(
      '/webhooks/zendesk',
      signedZendeskRequest(zendeskTicketCreated('2002', { description: 'My invoice is wrong' })),
    );
    const { ticketId } = (await created.json()) as { ticketId: string };
    // Zendesk also emits comment_added for the description; it must link, not duplicate.
    await app.request(
      '/webhooks/zendesk',
      signedZendeskRequest(zendeskCommentAdded('2002', '501', 'My invoice is wrong')),
    );
    const agent = await app.request(
      '/webhooks/zendesk',
      signedZendeskRequest(zendeskCommentAdded('2002', '502', 'We fixed it, sorry!', true)),
    );
    expect(agent.status).toBe(202);
    await app.request(
      '/webhooks/zendesk',
      signedZendeskRequest(zendeskStatusChanged('2002', 'OPEN', 'SOLVED')),
    );
    await app.request(
      '/webhooks/zendesk',
      signedZendeskRequest(zendeskCommentAdded('2002', '503', 'Still wrong!')),
    );
    const messages = await listMessages(deps.db, ticketId);
    expect(messages.map((m) => [m.externalId, m.authorKind])).toEqual([
      ['501', 'customer'],
      ['502', 'agent'],
      ['503', 'customer'],
    ]);
    const events = (await listTicketEvents(deps.db, ticketId)).map((e) => e.type);
    expect(events).toContain('solved');
    expect(events.at(-1)).toBe('reopened');
    expect((await getTicket(deps.db, ticketId))?.status).toBe('open');
  });

  it('accepts the trigger body the README documents, once per comment', async () => {
    const body = structuredClone(zendeskTriggerTemplate);
    body.ticket = {
      ...body.ticket,
      id: '3003',
      subject: 'Refund please',
      status: 'Open',
      priority: 'High',
      tags: 'vip refund',
      via: 'Mail',
      updated_at: '2026-11-20T10:00:00Z',
      requester: { email: 'Ana@Example.com', name: 'Ana' },
    };
    body.comment = {
      body: 'I want my money back',
      is_public: 'true',
      author_email: 'ana@example.com',
    };
    const res = await app.request('/webhooks/zendesk', signedZendeskRequest(body));
    expect(res.status).toBe(202);
    const { ticketId } = (await res.json()) as { ticketId: string };
    expect(await getTicket(deps.db, ticketId)).toMatchObject({
      requesterEmail: 'ana@example.com',
      channel: 'email',
      tags: ['vip', 'refund'],
      status: 'open',
    });
    // A later trigger run (e.g. a priority change) re-renders the same latest comment.
    body.ticket.updated_at = '2026-11-20T10:05:00Z';
    const again = await app.request('/webhooks/zendesk', signedZendeskRequest(body));
    expect(again.status).toBe(202);
    expect(await listMessages(deps.db, ticketId)).toHaveLength(1);
  });

  it('answers 200 with the same ticket for a redelivered event and writes nothing', async () => {
    const event = zendeskTicketCreated('4004');
    const first = (await (
      await app.request('/webhooks/zendesk', signedZendeskRequest(event))
    ).json()) as {
      ticketId: string;
    };
    const before = await countRows(deps.db);
    // Zendesk re-signs retries with a new timestamp; an identical replay is handled the same way.
    const res = await app.request(
      '/webhooks/zendesk',
      signedZendeskRequest(event, { timestamp: new Date(Date.now() + 1000).toISOString() }),
    );
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'duplicate', ticketId: first.ticketId });
    expect(await countRows(deps.db)).toEqual(before);
  });

  it('records a delivery exactly once when 50 copies arrive concurrently', async () => {
    const event = zendeskTicketCreated('5005');
    const before = await countRows(deps.db);
    const responses = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        app.request(
          '/webhooks/zendesk',
          signedZendeskRequest(event, { timestamp: new Date(Date.now() - i * 10).toISOString() }),
        ),
      ),
    );
    const statuses = responses.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 202)).toHaveLength(1);
    expect(statuses.filter((s) => s === 200)).toHaveLength(49);
    const ids = new Set(
      await Promise.all(
        responses.map(async (r) => ((await r.json()) as { ticketId: string }).ticketId),
      ),
    );
    expect(ids.size).toBe(1);
    const after = await countRows(deps.db);
    expect(after.tickets - before.tickets).toBe(1);
    expect(after.inboxEvents - before.inboxEvents).toBe(1);
    expect(after.outbox - before.outbox).toBe(1);
  });
});
