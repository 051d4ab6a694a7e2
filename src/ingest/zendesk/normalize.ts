import { sha256Hex } from '../../auth/secrets.js';
import type { SignatureMeta } from '../../db/schema/inbox-events.js';
import type { TicketChannel } from '../../db/schema/tickets.js';
import type { InboundDelivery } from '../types.js';
import type { ZendeskEvent, ZendeskTrigger } from './payload.js';
import { mapZendeskStatus, type ZendeskStatus } from './status.js';

const channelFromVia = (via: string | null | undefined): TicketChannel => {
  const v = (via ?? '').toLowerCase();
  // "Web service" (trigger rendering) and `web_service` (events) are Zendesk's API channel.
  if (/web[\s_-]?service/.test(v)) return 'api';
  if (v.includes('mail')) return 'email';
  if (v.includes('chat') || v.includes('messag')) return 'chat';
  if (v.includes('voice') || v.includes('phone')) return 'phone';
  if (v.includes('web')) return 'web';
  if (v.includes('api')) return 'api';
  return 'zendesk';
};

export interface ZendeskNormalizeOptions {
  /** The API user Deskpilot writes as (ZENDESK_EMAIL): its private notes are our own echoes. */
  ownEmail?: string | null;
}

/**
 * Deskpilot's own private triage note (see pipeline/triage/writeback.ts) comes back through an
 * "is created or updated" trigger or a comment_added event. It is not a message of the
 * conversation, and storing it as an agent reply would stop the first-reply clock seconds after
 * creation. Recognised by its fixed first lines, whatever the delivery says about visibility.
 */
export function isOwnTriageNote(body: string): boolean {
  // Any whitespace between the lines: a trigger renders the comment as Markdown, which may turn a
  // line break into a hard break (two spaces) or a paragraph (a blank line).
  return /^Deskpilot triage\s+Category: /.test(body.trimStart());
}

/** Keeps an unknown status out of our status column but on record (status.ts). */
function statusFields(status: ZendeskStatus | undefined): Pick<InboundDelivery, 'helpdeskStatus'> {
  return status && status.status === null && status.raw ? { helpdeskStatus: status.raw } : {};
}

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
      status: d.status?.status ?? undefined,
      tags: d.tags ?? [],
    },
    ...statusFields(d.status),
  };
  // The event's own time: a delayed or replayed delivery keeps its solve/reopen time.
  if (event.time && Number.isFinite(Date.parse(event.time))) base.occurredAt = new Date(event.time);
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
  if (
    kind === 'comment_added' &&
    event.event.comment &&
    !isOwnTriageNote(event.event.comment.body)
  ) {
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
    const to = mapZendeskStatus(event.event.current);
    if (to.status) base.statusChange = { status: to.status, ...(to.deleted && { deleted: true }) };
    else Object.assign(base, statusFields(to));
  }
  return base;
}

/**
 * `{{ticket.updated_at_with_timestamp}}` as an instant, when it renders as ISO 8601 with a zone;
 * anything else (a localised date) is not guessed at: the arrival time is used.
 */
function isoInstant(text: string): Date | undefined {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/.test(text.trim())) {
    return undefined;
  }
  const at = new Date(text.trim());
  return Number.isFinite(at.getTime()) ? at : undefined;
}

/** Maps the trigger template's body onto the common delivery shape. */
export function normalizeZendeskTrigger(
  body: ZendeskTrigger,
  signature: SignatureMeta,
  opts: ZendeskNormalizeOptions = {},
): InboundDelivery {
  const t = body.ticket;
  const commentBody = body.comment?.body?.trim() ?? '';
  const requesterEmail = t.requester.email?.trim().toLowerCase() || null;
  const authorEmail = body.comment?.author_email?.trim().toLowerCase() || null;
  const isPublic = body.comment?.is_public !== 'false';
  const ownEmail = opts.ownEmail?.trim().toLowerCase() || null;
  // Our own writes coming back: the triage note (any visibility), or any internal note made by
  // the API user Deskpilot writes as. A public comment by that user is a reply we delivered; the
  // intake recognises it as the message we already stored.
  const echo =
    isOwnTriageNote(commentBody) || (!isPublic && ownEmail !== null && authorEmail === ownEmail);
  // A trigger has no event id: the ticket, its update time, status and comment identify a delivery.
  const dedupeKey = `trigger:${t.id}:${t.updated_at}:${t.status}:${sha256Hex(commentBody).slice(0, 24)}`;
  return {
    source: 'zendesk',
    dedupeKey,
    eventType: 'trigger',
    signature,
    // The ticket's update time the trigger fired on: a delayed delivery keeps its solve time.
    ...(isoInstant(t.updated_at) ? { occurredAt: isoInstant(t.updated_at) } : {}),
    ticket: {
      externalId: t.id,
      subject: t.subject,
      requesterEmail,
      requesterName: t.requester.name?.trim() || null,
      channel: channelFromVia(t.via),
      status: t.status.status ?? undefined,
      tags: t.tags.split(/\s+/).filter(Boolean),
    },
    ...(t.status.status
      ? {
          statusChange: { status: t.status.status, ...(t.status.deleted && { deleted: true }) },
        }
      : statusFields(t.status)),
    message:
      commentBody && !echo
        ? {
            authorKind:
              authorEmail && requesterEmail && authorEmail !== requesterEmail
                ? 'agent'
                : 'customer',
            authorEmail,
            public: isPublic,
            bodyText: commentBody,
          }
        : undefined,
  };
}
