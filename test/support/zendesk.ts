import { randomUUID } from 'node:crypto';
import { signZendesk } from '../../src/ingest/zendesk/signature.js';
import { ZENDESK_SECRET } from './deps.js';

export function zendeskTicketCreated(
  ticketId: string,
  over: Partial<{ eventId: string; subject: string; description: string }> = {},
) {
  return {
    type: 'zen:event-type:ticket.created',
    account_id: 12514403,
    id: over.eventId ?? randomUUID(),
    time: '2026-11-20T10:00:00Z',
    zendesk_event_version: '2022-11-06',
    subject: `zen:ticket:${ticketId}`,
    detail: {
      id: ticketId,
      subject: over.subject ?? 'Cannot log in to my account',
      description:
        over.description ??
        'Hello, since this morning I cannot log in. It says my password is wrong.',
      status: 'NEW',
      priority: 'NORMAL',
      requester_id: '9000000001',
      tags: ['web'],
      created_at: '2026-11-20T10:00:00Z',
      via: { channel: 'web_form' },
    },
    event: {},
  };
}

export function zendeskCommentAdded(
  ticketId: string,
  commentId: string,
  body: string,
  isStaff = false,
) {
  return {
    type: 'zen:event-type:ticket.comment_added',
    account_id: 12514403,
    id: randomUUID(),
    time: '2026-11-20T11:00:00Z',
    subject: `zen:ticket:${ticketId}`,
    detail: { id: ticketId, subject: 'Cannot log in to my account', status: 'OPEN' },
    event: {
      comment: {
        id: commentId,
        body,
        is_public: true,
        author: { id: '42', is_staff: isStaff, name: 'Pat' },
      },
    },
  };
}

export function zendeskStatusChanged(ticketId: string, previous: string, current: string) {
  return {
    type: 'zen:event-type:ticket.status_changed',
    id: randomUUID(),
    time: '2026-11-20T12:00:00Z',
    subject: `zen:ticket:${ticketId}`,
    detail: { id: ticketId, subject: 'Cannot log in to my account', status: current },
    event: { current, previous },
  };
}

/** Builds a signed request exactly as Zendesk would send it. */
export function signedZendeskRequest(
  body: unknown,
  opts: {
    secret?: string;
    timestamp?: string;
    rawBody?: string;
    tamper?: (raw: string) => string;
  } = {},
): RequestInit {
  const raw = opts.rawBody ?? JSON.stringify(body);
  const timestamp = opts.timestamp ?? new Date().toISOString();
  const signature = signZendesk(opts.secret ?? ZENDESK_SECRET, timestamp, raw);
  return {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-zendesk-webhook-signature': signature,
      'x-zendesk-webhook-signature-timestamp': timestamp,
    },
    body: opts.tamper ? opts.tamper(raw) : raw,
  };
}
