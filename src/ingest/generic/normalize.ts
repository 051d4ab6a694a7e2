import type { Principal } from '../../auth/api-keys.js';
import type { InboundDelivery } from '../types.js';
import type { GenericTicketEvent } from './schema.js';

export function normalizeGenericEvent(
  event: GenericTicketEvent,
  principal: Principal,
): InboundDelivery {
  return {
    source: 'api',
    // Scoped by key so two integrations using the same event ids never collide.
    dedupeKey: `${principal.id}:${event.eventId}`,
    eventType: event.message ? 'message' : 'ticket',
    signature: { scheme: 'api-key', apiKeyId: principal.id },
    ticket: {
      externalId: event.ticket.externalId,
      subject: event.ticket.subject,
      requesterEmail: event.requester.email ?? null,
      requesterName: event.requester.name ?? null,
      channel: event.ticket.channel,
      tags: event.ticket.tags,
      language: event.ticket.language ?? null,
      integrationKeyId: principal.id,
      status: event.ticket.status,
    },
    occurredAt: event.occurredAt ? new Date(event.occurredAt) : undefined,
    // An integration does not say whether its ticket is new; the first event for an externalId
    // creates it, in intake's one-statement path. A later event finds the ticket in that
    // statement's check, which then writes nothing, and takes the general path (which also
    // refuses another integration's ticket): one cheap statement more for a follow-up, eight
    // fewer (BEGIN, six writes, COMMIT) for a new ticket.
    createsTicket: true,
    statusChange: event.ticket.status ? { status: event.ticket.status } : undefined,
    message: event.message
      ? {
          authorKind: event.message.authorKind,
          authorEmail:
            event.message.authorKind === 'customer' ? (event.requester.email ?? null) : null,
          authorName:
            event.message.authorKind === 'customer' ? (event.requester.name ?? null) : null,
          externalId: event.message.externalId ?? null,
          public: event.message.public,
          bodyText: event.message.body,
          bodyHtml: event.message.html ?? null,
          createdAt: event.message.createdAt ? new Date(event.message.createdAt) : undefined,
        }
      : undefined,
  };
}
