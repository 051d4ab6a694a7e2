import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { getTicket, listMessages, listTicketEvents } from '../../../../src/db/queries/tickets.js';
import { zendeskTriggerTemplate } from '../../../../src/ingest/zendesk/payload.js';
import { metricsSummary, refreshTicketMetrics } from '../../../../src/metrics/index.js';
import { fileTestApp } from '../../../support/fixtures.js';
import {
  signedZendeskRequest,
  zendeskCommentAdded,
  zendeskStatusChanged,
  zendeskTicketCreated,
} from '../../../support/zendesk.js';

/*
 * What real Zendesk accounts send that a tidy fixture does not: internal notes through a trigger,
 * Deskpilot's own triage note echoed back, localised and lifecycle status labels, and the "Web
 * service" channel.
 */

const OWN_EMAIL = 'deskpilot-bot@acme.example';
const { deps, app } = await fileTestApp({ ZENDESK_EMAIL: OWN_EMAIL });

type Trigger = ReturnType<typeof structuredClone<typeof zendeskTriggerTemplate>>;

function trigger(
  id: string,
  over: { status?: string; via?: string; updatedAt: string },
  comment: { body: string; is_public?: string; author_email: string },
): Trigger {
  const body = structuredClone(zendeskTriggerTemplate) as Trigger;
  body.ticket = {
    ...body.ticket,
    id,
    subject: 'Where is my order?',
    status: over.status ?? 'Open',
    priority: 'Normal',
    tags: '',
    via: over.via ?? 'Mail',
    updated_at: over.updatedAt,
    requester: { email: 'ana@example.com', name: 'Ana' },
  };
  const rendered: Record<string, string> = { ...comment };
  if (comment.is_public === undefined) delete rendered.is_public;
  body.comment = rendered as Trigger['comment'];
  return body;
}

async function post(body: unknown) {
  const res = await app.request('/webhooks/zendesk', signedZendeskRequest(body));
  expect(res.status, await res.clone().text()).toBeLessThan(300);
  return (await res.json()) as { ticketId: string };
}

const triageNote = [
  'Deskpilot triage',
  'Category: shipping (91% confidence, by classifier)',
  'Priority: normal · Sentiment: neutral · Language: en',
  'Routed to: logistics',
].join('\n');

describe('Zendesk internal notes and echoes', () => {
  it("the README's trigger body is the template intake reads, visibility included", () => {
    const readme = readFileSync(new URL('../../../../README.md', import.meta.url), 'utf8');
    const block = [...readme.matchAll(/```json\n([\s\S]*?)```/g)]
      .map((m) => m[1]!)
      .find((json) => json.includes('zendesk-trigger/v1'));
    expect(JSON.parse(block!)).toEqual(zendeskTriggerTemplate);
    expect(zendeskTriggerTemplate.comment.is_public).toBe('{{ticket.latest_comment.is_public}}');
  });

  it('stores a trigger internal note as private, and drops the echo of our own triage note', async () => {
    const created = await post(
      trigger(
        '4101',
        { updatedAt: '2026-11-20T10:00:00Z' },
        { body: 'My parcel never arrived', is_public: 'true', author_email: 'ana@example.com' },
      ),
    );
    // Our private triage note comes back through "Ticket is created or updated", written by the
    // API user Deskpilot writes as; with the old trigger body (no is_public) it would look public.
    await post(
      trigger(
        '4101',
        { updatedAt: '2026-11-20T10:00:05Z' },
        { body: triageNote, author_email: OWN_EMAIL },
      ),
    );
    // The same, as Markdown renders it (hard breaks), through a second update of the ticket.
    await post(
      trigger(
        '4101',
        { updatedAt: '2026-11-20T10:00:07Z' },
        { body: triageNote.replaceAll('\n', '  \r\n\r\n'), author_email: OWN_EMAIL },
      ),
    );
    // A human agent's internal note.
    await post(
      trigger(
        '4101',
        { updatedAt: '2026-11-20T10:10:00Z' },
        {
          body: 'Checked with the carrier, lost in transit',
          is_public: 'false',
          author_email: 'sam@acme.example',
        },
      ),
    );
    const messages = await listMessages(deps.db, created.ticketId);
    expect(messages.map((m) => [m.authorKind, m.public, m.bodyText])).toEqual([
      ['customer', true, 'My parcel never arrived'],
      ['agent', false, 'Checked with the carrier, lost in transit'],
    ]);
  });

  it('drops the echo in event mode too (comment_added of our note)', async () => {
    const created = await post(zendeskTicketCreated('4102', { description: 'Card declined' }));
    const echo = zendeskCommentAdded('4102', '88001', triageNote, true);
    echo.event.comment.is_public = false;
    await post(echo);
    expect(await listMessages(deps.db, created.ticketId)).toHaveLength(1);
  });

  it('replayed echo and internal note do not count as a first reply', async () => {
    const created = await post(
      trigger(
        '4103',
        { updatedAt: '2026-11-20T09:00:00Z' },
        { body: 'I was charged twice', is_public: 'true', author_email: 'ana@example.com' },
      ),
    );
    await post(
      trigger(
        '4103',
        { updatedAt: '2026-11-20T09:00:04Z' },
        // Rendered by a trigger body written before is_public existed: looks public.
        { body: triageNote, author_email: OWN_EMAIL },
      ),
    );
    await post(
      trigger(
        '4103',
        { updatedAt: '2026-11-20T09:01:00Z' },
        { body: 'Looking into it', is_public: 'false', author_email: 'sam@acme.example' },
      ),
    );
    await refreshTicketMetrics(deps.db, deps.config, { full: true });
    const ticket = await getTicket(deps.db, created.ticketId);
    const summary = await metricsSummary(deps.db, deps.config, {
      from: new Date(ticket!.createdAt.getTime() - 1000),
      to: new Date(ticket!.createdAt.getTime() + 1000),
    });
    // Nothing public from a human has been written: no first reply yet.
    expect(summary.replied).toBe(0);
  });

  it('reads is_public quoted or as a JSON boolean, and an unrendered one as public instead of refusing', async () => {
    const created = await post(
      trigger(
        '4104',
        { updatedAt: '2026-11-20T10:00:00Z' },
        { body: 'Where is it?', is_public: 'True', author_email: 'ana@example.com' },
      ),
    );
    const note = trigger(
      '4104',
      { updatedAt: '2026-11-20T10:05:00Z' },
      { body: 'Carrier says Tuesday', author_email: 'sam@acme.example' },
    ) as Record<string, unknown>;
    note.comment = { ...(note.comment as object), is_public: false };
    await post(note);
    await post(
      trigger(
        '4104',
        { updatedAt: '2026-11-20T10:10:00Z' },
        { body: 'It ships Tuesday', is_public: '', author_email: 'sam@acme.example' },
      ),
    );
    const messages = await listMessages(deps.db, created.ticketId);
    expect(messages.map((m) => [m.authorKind, m.public])).toEqual([
      ['customer', true],
      ['agent', false],
      ['agent', true],
    ]);
  });
});

describe('Zendesk status values', () => {
  it.each([
    ['On-hold', 'hold'],
    ['Hold', 'hold'],
    ['HOLD', 'hold'],
    ['Gelöst', 'solved'],
    ['En espera', 'hold'],
    ['Résolu', 'solved'],
    ['ARCHIVED', 'closed'],
  ])('maps the trigger status %s to %s', async (label, expected) => {
    const id = `42${label.length}${expected.length}${label.charCodeAt(1)}`;
    const created = await post(
      trigger(
        id,
        { status: 'Open', updatedAt: '2026-11-21T10:00:00Z' },
        { body: 'Hello', is_public: 'true', author_email: 'ana@example.com' },
      ),
    );
    await post(
      trigger(
        id,
        { status: label, updatedAt: '2026-11-21T11:00:00Z' },
        { body: 'Hello', is_public: 'true', author_email: 'ana@example.com' },
      ),
    );
    expect((await getTicket(deps.db, created.ticketId))?.status).toBe(expected);
  });

  it('maps DELETED and SCRUBBED status events to closed instead of refusing them', async () => {
    const created = await post(zendeskTicketCreated('4301'));
    let res = await app.request(
      '/webhooks/zendesk',
      signedZendeskRequest(zendeskStatusChanged('4301', 'OPEN', 'DELETED')),
    );
    expect(res.status).toBe(202);
    expect((await getTicket(deps.db, created.ticketId))?.status).toBe('closed');
    res = await app.request(
      '/webhooks/zendesk',
      signedZendeskRequest(zendeskStatusChanged('4301', 'DELETED', 'SCRUBBED')),
    );
    expect(res.status).toBe(202);
  });

  it('accepts an unknown status, keeps ours and records what Zendesk sent', async () => {
    const created = await post(
      trigger(
        '4302',
        { status: 'Open', updatedAt: '2026-11-21T10:00:00Z' },
        { body: 'Hi there', is_public: 'true', author_email: 'ana@example.com' },
      ),
    );
    const res = await app.request(
      '/webhooks/zendesk',
      signedZendeskRequest(
        trigger(
          '4302',
          { status: 'Waiting for parts', updatedAt: '2026-11-21T12:00:00Z' },
          { body: 'Hi there', is_public: 'true', author_email: 'ana@example.com' },
        ),
      ),
    );
    expect(res.status).toBe(202);
    expect((await getTicket(deps.db, created.ticketId))?.status).toBe('open');
    const events = await listTicketEvents(deps.db, created.ticketId);
    expect(events.find((e) => e.type === 'helpdesk_status')?.data).toEqual({
      status: 'Waiting for parts',
      kept: 'open',
    });
  });

  it('accepts a new ticket whose event status is unknown', async () => {
    const event = zendeskTicketCreated('4303');
    event.detail.status = 'AWAITING_VENDOR';
    const { ticketId } = await post(event);
    expect((await getTicket(deps.db, ticketId))?.status).toBe('new');
  });
});

describe('Zendesk channels', () => {
  it.each([
    ['Web service', 'api'],
    ['Web Form', 'web'],
    ['Mail', 'email'],
  ])('maps the trigger via %s to the %s channel', async (via, channel) => {
    const { ticketId } = await post(
      trigger(
        `45${via.length}`,
        { via, updatedAt: '2026-11-22T10:00:00Z' },
        { body: 'Question', is_public: 'true', author_email: 'ana@example.com' },
      ),
    );
    expect((await getTicket(deps.db, ticketId))?.channel).toBe(channel);
  });

  it('maps the event channel web_service to api', async () => {
    const event = zendeskTicketCreated('4601');
    event.detail.via = { channel: 'web_service' };
    const { ticketId } = await post(event);
    expect((await getTicket(deps.db, ticketId))?.channel).toBe('api');
  });
});
