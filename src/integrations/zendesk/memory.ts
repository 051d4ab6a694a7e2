import { ZendeskApiError, ZendeskConflictError } from './errors.js';
import type {
  AddCommentOptions,
  AddCommentResult,
  NewComment,
  TicketFieldsUpdate,
  UpdateTicketOptions,
  ZendeskClient,
  ZendeskComment,
  ZendeskFieldChange,
  ZendeskGroup,
  ZendeskId,
  ZendeskTicket,
} from './types.js';

/**
 * Zendesk in memory, for unit tests of triage and delivery: same semantics as the real client
 * (tags are added, safe updates conflict on a stale `updatedAt`, an idempotency key posts once),
 * no HTTP. Tests that need the wire (auth, retries, ids, pagination) use test/support/fake-zendesk.
 */
export class InMemoryZendeskClient implements ZendeskClient {
  readonly tickets = new Map<ZendeskId, ZendeskTicket>();
  readonly comments = new Map<ZendeskId, ZendeskComment[]>();
  readonly groups: ZendeskGroup[] = [];
  readonly fieldChanges = new Map<ZendeskId, ZendeskFieldChange[]>();
  private readonly byIdempotencyKey = new Map<string, AddCommentResult>();
  private nextId = 1000;
  private clock = Date.parse('2026-01-01T00:00:00Z');

  seedTicket(ticket: Partial<ZendeskTicket> & { id: ZendeskId }): ZendeskTicket {
    const at = this.tick();
    const full: ZendeskTicket = {
      subject: 'Subject',
      description: 'Description',
      status: 'open',
      priority: 'normal',
      type: null,
      groupId: null,
      assigneeId: null,
      requesterId: null,
      organizationId: null,
      brandId: null,
      externalId: null,
      tags: [],
      createdAt: at,
      updatedAt: at,
      ...ticket,
    };
    this.tickets.set(full.id, full);
    this.comments.set(full.id, []);
    return full;
  }

  seedGroup(name: string, id: ZendeskId = String(this.nextId++), deleted = false): ZendeskGroup {
    const group = { id, name, deleted };
    this.groups.push(group);
    return group;
  }

  /** Someone else edits the ticket (moves `updatedAt`, so stale safe updates conflict). */
  touchTicket(id: ZendeskId, change: Pick<TicketFieldsUpdate, 'groupId' | 'priority'> = {}): void {
    const ticket = this.ticket(id);
    ticket.updatedAt = this.tick();
    this.applyFields(ticket, change, null);
  }

  async getTicket(id: ZendeskId): Promise<ZendeskTicket> {
    return structuredClone(this.ticket(id));
  }

  async addTags(ticketId: ZendeskId, tags: string[]): Promise<string[]> {
    const ticket = this.ticket(ticketId);
    for (const tag of tags.map((t) => t.trim()).filter(Boolean)) {
      if (!ticket.tags.includes(tag)) ticket.tags.push(tag);
    }
    ticket.updatedAt = this.tick();
    return [...ticket.tags];
  }

  async updateTicket(
    ticketId: ZendeskId,
    update: TicketFieldsUpdate,
    opts: UpdateTicketOptions = {},
  ): Promise<ZendeskTicket> {
    const ticket = this.ticket(ticketId);
    const path = `/api/v2/tickets/${ticketId}.json`;
    if (opts.safeUpdate && Date.parse(opts.safeUpdate.updatedAt) < Date.parse(ticket.updatedAt)) {
      throw new ZendeskConflictError(
        {
          status: 409,
          code: 'UpdateConflict',
          description: 'Safe Update prevented the update due to outdated ticket data.',
          body: null,
          zendeskRequestId: null,
        },
        { method: 'PUT', path, attempts: 1 },
      );
    }
    ticket.updatedAt = this.tick();
    this.applyFields(ticket, update, opts.writtenBy ?? null);
    return structuredClone(ticket);
  }

  async listFieldChanges(ticketId: ZendeskId): Promise<ZendeskFieldChange[]> {
    this.ticket(ticketId);
    return structuredClone(this.fieldChanges.get(ticketId) ?? []);
  }

  private applyFields(
    ticket: ZendeskTicket,
    update: TicketFieldsUpdate,
    writtenBy: string | null,
  ): void {
    const auditId = String(this.nextId++);
    const changes = this.fieldChanges.get(ticket.id) ?? [];
    const record = (field: string, value: unknown) =>
      changes.push({
        auditId,
        field,
        value,
        writtenBy,
        created: false,
        authorId: null,
        createdAt: ticket.updatedAt,
      });
    if (update.groupId !== undefined && update.groupId !== ticket.groupId) {
      ticket.groupId = update.groupId;
      record('group_id', update.groupId);
    }
    if (update.priority !== undefined && update.priority !== ticket.priority) {
      ticket.priority = update.priority;
      record('priority', update.priority);
    }
    if (update.status !== undefined && update.status !== ticket.status) {
      ticket.status = update.status;
      record('status', update.status);
    }
    this.fieldChanges.set(ticket.id, changes);
  }

  async addComment(
    ticketId: ZendeskId,
    comment: NewComment,
    opts: AddCommentOptions,
  ): Promise<AddCommentResult> {
    const ticket = this.ticket(ticketId);
    const previous = this.byIdempotencyKey.get(`${ticketId}:${opts.idempotencyKey}`);
    if (previous) return { ...previous, replayed: true };
    const auditId = String(this.nextId++);
    const created: ZendeskComment = {
      id: String(this.nextId++),
      auditId,
      authorId: comment.authorId ?? null,
      body: comment.body,
      htmlBody: comment.htmlBody ?? null,
      plainBody: comment.body,
      public: comment.public,
      createdAt: this.tick(),
    };
    this.comments.get(ticketId)?.push(created);
    ticket.updatedAt = created.createdAt ?? ticket.updatedAt;
    const result = { commentId: created.id, auditId, replayed: false };
    this.byIdempotencyKey.set(`${ticketId}:${opts.idempotencyKey}`, result);
    return result;
  }

  async listComments(ticketId: ZendeskId): Promise<ZendeskComment[]> {
    this.ticket(ticketId);
    return structuredClone(this.comments.get(ticketId) ?? []);
  }

  async findGroupByName(name: string): Promise<ZendeskGroup | null> {
    const key = name.trim().toLocaleLowerCase('en-US');
    return (
      this.groups.find((g) => !g.deleted && g.name.trim().toLocaleLowerCase('en-US') === key) ??
      null
    );
  }

  private ticket(id: ZendeskId): ZendeskTicket {
    const ticket = this.tickets.get(id);
    if (ticket) return ticket;
    throw new ZendeskApiError(
      {
        status: 404,
        code: 'RecordNotFound',
        description: 'Not found',
        body: null,
        zendeskRequestId: null,
      },
      { method: 'GET', path: `/api/v2/tickets/${id}.json`, attempts: 1 },
    );
  }

  private tick(): string {
    this.clock += 1000;
    return new Date(this.clock).toISOString().replace('.000Z', 'Z');
  }
}
