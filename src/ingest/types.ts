import type { SignatureMeta } from '../db/schema/inbox-events.js';
import type { AttachmentMeta, AuthorKind } from '../db/schema/messages.js';
import type { TicketChannel, TicketSource, TicketStatus } from '../db/schema/tickets.js';

/**
 * What every channel adapter (Zendesk, email providers, generic JSON) turns a delivery into.
 * The intake function persists it the same way regardless of where it came from.
 */
export interface InboundDelivery {
  source: TicketSource;
  /** Unique per logical delivery for this source: event id, Message-ID, client key… */
  dedupeKey: string;
  eventType: string;
  signature: SignatureMeta;
  ticket: {
    externalId?: string | null;
    subject?: string;
    requesterEmail?: string | null;
    requesterName?: string | null;
    channel: TicketChannel;
    status?: TicketStatus;
    tags?: string[];
    language?: string | null;
    automated?: boolean;
    automatedReason?: string | null;
    /**
     * Generic webhook: the API key posting. A ticket it creates belongs to it, and a delivery
     * naming another key's ticket is refused as not found.
     */
    integrationKeyId?: string | null;
  };
  /** How to find an existing ticket when there is no helpdesk id (email replies). */
  thread?: { replyToken?: string | null; emailMessageIds?: string[] };
  message?: {
    authorKind: AuthorKind;
    authorEmail?: string | null;
    authorName?: string | null;
    externalId?: string | null;
    public?: boolean;
    bodyText: string;
    bodyHtml?: string | null;
    strippedText?: string;
    emailMessageId?: string | null;
    emailInReplyTo?: string | null;
    emailReferences?: string[];
    attachments?: AttachmentMeta[];
    /** Machine-generated (bounce, auto-reply): stored, but never triaged, answered or reopening. */
    automated?: boolean;
    createdAt?: Date;
  };
  /** A one-time value (Mailgun token) that must not be accepted twice. */
  nonce?: { value: string; ttlSeconds: number };
  /**
   * A helpdesk status we could not map (a custom or localised label we do not know). Our status
   * stays as it is; the value is kept on the ticket's timeline instead of refusing the delivery.
   */
  helpdeskStatus?: string;
  /**
   * When the sender says this happened (the generic schema's `occurredAt`, a Zendesk event's
   * `time`): the time of the status events it causes, so a delayed or replayed webhook does not
   * stretch resolution times. Unset: the arrival time.
   */
  occurredAt?: Date;
  /** A status change reported by the helpdesk (Zendesk ticket.status_changed and triggers). */
  statusChange?: {
    status: TicketStatus;
    /**
     * The helpdesk deleted the ticket (Zendesk DELETED, SCRUBBED): it is closed here, recorded as
     * a `deleted` event instead of a solve, so metrics leave it out like a merged duplicate.
     */
    deleted?: boolean;
  };
  /**
   * The sender says this delivery creates the helpdesk ticket (Zendesk ticket.created). Only a
   * hint: intake then tries its one-statement path first, and falls back to the general one when
   * the ticket exists after all.
   */
  createsTicket?: boolean;
}

export interface IntakeResult {
  outcome: 'accepted' | 'duplicate';
  ticketId: string | null;
  messageId: string | null;
  ticketCreated: boolean;
}
