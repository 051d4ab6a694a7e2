/**
 * The slice of Zendesk's Ticketing API that Deskpilot uses: triage write-back (tags, group,
 * priority, status) and reply delivery (comments). Ids are strings everywhere because Zendesk ids
 * can exceed 2^53 and would be rounded as JavaScript numbers.
 */

export type ZendeskId = string;

export type TicketStatus = 'new' | 'open' | 'pending' | 'hold' | 'solved' | 'closed';
/** Statuses an integration may set; `new` and `closed` are Zendesk's to assign. */
export type SettableTicketStatus = 'open' | 'pending' | 'hold' | 'solved';
export type TicketPriority = 'urgent' | 'high' | 'normal' | 'low';

export interface ZendeskTicket {
  id: ZendeskId;
  subject: string | null;
  description: string | null;
  status: TicketStatus;
  priority: TicketPriority | null;
  type: string | null;
  groupId: ZendeskId | null;
  assigneeId: ZendeskId | null;
  requesterId: ZendeskId | null;
  organizationId: ZendeskId | null;
  brandId: ZendeskId | null;
  externalId: string | null;
  tags: string[];
  createdAt: string;
  /** Zendesk's `updated_at`; pass it back as `safeUpdate.updatedAt` to detect concurrent edits. */
  updatedAt: string;
}

export interface ZendeskComment {
  id: ZendeskId;
  auditId: ZendeskId | null;
  authorId: ZendeskId | null;
  body: string;
  htmlBody: string | null;
  plainBody: string | null;
  public: boolean;
  createdAt: string | null;
}

export interface ZendeskGroup {
  id: ZendeskId;
  name: string;
  deleted: boolean;
}

export interface TicketFieldsUpdate {
  groupId?: ZendeskId | null;
  priority?: TicketPriority | null;
  status?: SettableTicketStatus;
}

export interface NewComment {
  /** Plain-text body. Ignored by Zendesk when `htmlBody` is given, but kept as the fallback. */
  body: string;
  htmlBody?: string;
  public: boolean;
  /** Defaults to the authenticated user (the API token's agent). */
  authorId?: ZendeskId;
}

export interface CallOptions {
  /** Cancels the call, including any wait between retries. */
  signal?: AbortSignal;
}

export interface UpdateTicketOptions extends CallOptions {
  /**
   * Optimistic concurrency: Zendesk rejects the update with 409 (ZendeskConflictError) when the
   * ticket changed after `updatedAt`, so an agent's edit is never silently overwritten.
   */
  safeUpdate?: { updatedAt: string };
  /**
   * Marks the update's audit as Deskpilot's (custom audit metadata), so a later read of the
   * audits can tell our field changes from everyone else's.
   */
  writtenBy?: string;
}

/** One change of a ticket field, from the ticket's audits. */
export interface ZendeskFieldChange {
  auditId: ZendeskId;
  /** Zendesk's field name: `group_id`, `priority`, `status`, … */
  field: string;
  value: unknown;
  /** The `writtenBy` marker of the update that made it, or null for everyone else. */
  writtenBy: string | null;
  /** Set when the ticket was created (a `Create` event), not changed later. */
  created: boolean;
  /** Who made the audit (a person, or the API user of an integration). */
  authorId: ZendeskId | null;
  createdAt: string | null;
}

export interface AddCommentOptions extends CallOptions {
  /**
   * Stable per logical delivery (e.g. the draft id). Sent as the `Idempotency-Key` header and
   * stored in the audit's custom metadata so a retry after an uncertain failure can find the
   * comment it already created instead of posting it twice.
   */
  idempotencyKey: string;
  /**
   * Look for a comment already posted under this key before posting. Set it when the caller is
   * itself retrying (a delivery job's second attempt): the first attempt may have posted before
   * it failed, and Zendesk documents Idempotency-Key for ticket creation only.
   */
  lookupExisting?: boolean;
}

export interface AddCommentResult {
  /** The Comment event id, when Zendesk's response includes the audit. */
  commentId: ZendeskId | null;
  auditId: ZendeskId | null;
  /** True when the comment was found already posted by an earlier attempt with the same key. */
  replayed: boolean;
}

/**
 * The helpdesk adapter. `HttpZendeskClient` talks to Zendesk; `InMemoryZendeskClient` plays it
 * for unit tests of the pipeline.
 */
export interface ZendeskClient {
  getTicket(id: ZendeskId, opts?: CallOptions): Promise<ZendeskTicket>;
  /** Adds tags without touching the ticket's other tags; resolves to the full tag list. */
  addTags(ticketId: ZendeskId, tags: string[], opts?: CallOptions): Promise<string[]>;
  updateTicket(
    ticketId: ZendeskId,
    update: TicketFieldsUpdate,
    opts?: UpdateTicketOptions,
  ): Promise<ZendeskTicket>;
  addComment(
    ticketId: ZendeskId,
    comment: NewComment,
    opts: AddCommentOptions,
  ): Promise<AddCommentResult>;
  listComments(ticketId: ZendeskId, opts?: CallOptions): Promise<ZendeskComment[]>;
  /**
   * The values the ticket's audits set, oldest first: later changes (`Change` events) and the
   * creating audit's values (`Create` events, `created: true`).
   */
  listFieldChanges(ticketId: ZendeskId, opts?: CallOptions): Promise<ZendeskFieldChange[]>;
  /** Case-insensitive match on the group name; deleted groups are ignored. */
  findGroupByName(name: string, opts?: CallOptions): Promise<ZendeskGroup | null>;
}
