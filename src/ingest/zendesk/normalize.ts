import { sha256Hex } from '../../auth/secrets.js';
import type { SignatureMeta } from '../../db/schema/inbox-events.js';
import type { TicketChannel } from '../../db/schema/tickets.js';
import type { InboundDelivery } from '../types.js';
import type { ZendeskEvent, ZendeskTrigger } from './payload.js';

const channelFromVia = (via: string | null | undefined): TicketChannel => {
  const v = (via ?? '').toLowerCase();
  if (v.includes('mail')) return 'email';
  if (v.includes('chat') || v.includes('messag')) return 'chat';
  if (v.includes('voice') || v.includes('phone')) return 'phone';
  if (v.includes('web')) return 'web';
  if (v.includes('api')) return 'api';
  return 'zendesk';
};

/** Maps an event-subscription payload onto the common delivery shape. */
export function normalizeZendeskEvent(
  event: ZendeskEvent,
  signature: SignatureMeta,
): InboundDelivery {
  const kind = event.type.replace('zen:event-type:ticket.', '');
  const d = event.detail;
  const base: InboundDelivery = {
    source: 'zendesk',
    dedupeKey: `event:${event.id}`,
    eventType: kind,
    signature,
    ticket: {
      externalId: d.id,
      subject: d.subject,
      channel: channelFromVia(d.via?.channel),
      status: d.status,
      tags: d.tags ?? [],
    },
  };
  const createdAt =
    d.created_at && Number.isFinite(Date.parse(d.created_at)) ? new Date(d.created_at) : undefined;
  if (kind === 'created') base.createsTicket = true;
  if (kind === 'created' && d.description) {
    base.message = {
      authorKind: 'customer',
      bodyText: d.description,
      // The first comment of a Zendesk ticket is its description; comment_added for that comment
      // is recognised by the intake (same text, no id yet) and not stored twice.
      public: true,
      createdAt,
    };
  }
  if (kind === 'comment_added' && event.event.comment) {
    const c = event.event.comment;
    base.message = {
      authorKind: c.author?.is_staff ? 'agent' : 'customer',
      authorName: c.author?.name ?? null,
      externalId: c.id,
      public: c.is_public,
      bodyText: c.body,
      createdAt:
        event.time && Number.isFinite(Date.parse(event.time)) ? new Date(event.time) : undefined,
    };
  }
  if (kind === 'status_changed' && typeof event.event.current === 'string') {
    const to = event.event.current.toLowerCase();
    if (['new', 'open', 'pending', 'hold', 'solved', 'closed'].includes(to)) {
      base.statusChange = { status: to as NonNullable<InboundDelivery['statusChange']>['status'] };
    }
  }
  return base;
}

/** Maps the trigger template's body onto the common delivery shape. */
export function normalizeZendeskTrigger(
  body: ZendeskTrigger,
  signature: SignatureMeta,
): InboundDelivery {
  const t = body.ticket;
  const commentBody = body.comment?.body?.trim() ?? '';
  const requesterEmail = t.requester.email?.trim().toLowerCase() || null;
  const authorEmail = body.comment?.author_email?.trim().toLowerCase() || null;
  // A trigger has no event id: the ticket, its update time, status and comment identify a delivery.
  const dedupeKey = `trigger:${t.id}:${t.updated_at}:${t.status}:${sha256Hex(commentBody).slice(0, 24)}`;
  return {
    source: 'zendesk',
    dedupeKey,
    eventType: 'trigger',
    signature,
    ticket: {
      externalId: t.id,
      subject: t.subject,
      requesterEmail,
      requesterName: t.requester.name?.trim() || null,
      channel: channelFromVia(t.via),
      status: t.status,
      tags: t.tags.split(/\s+/).filter(Boolean),
    },
    statusChange: { status: t.status },
    message: commentBody
      ? {
          authorKind:
            authorEmail && requesterEmail && authorEmail !== requesterEmail ? 'agent' : 'customer',
          authorEmail,
          public: body.comment?.is_public !== 'false',
          bodyText: commentBody,
        }
      : undefined,
  };
}
