import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isSafeNumber, LosslessNumber, parse, stringify } from 'lossless-json';

/**
 * A local HTTP server that plays Zendesk's Ticketing API for the endpoints Deskpilot calls, with
 * in-memory state. Response shapes follow the recorded real responses in
 * shared/data/webhooks/zendesk-api-vcr (ticket, audit with events, comment, group, error bodies).
 *
 * Ids are decimal strings internally and are written to JSON as raw numbers with every digit, the
 * way Zendesk does; generated ids start above 2^53 so every test exercises exact-id handling.
 *
 * Endpoints: GET /api/v2/tickets/{id}.json · PUT /api/v2/tickets/{id}.json (fields, comment,
 * metadata, safe_update) · PUT /api/v2/tickets/{id}/tags.json · GET …/comments.json ·
 * GET …/audits.json · GET /api/v2/groups.json. Lists support cursor pagination
 * (`page[size]`, `page[after]`, `meta`, `links`) and, without `page[size]`, offset-style bodies.
 */

export interface FakeZendeskOptions {
  email?: string;
  token?: string;
  /** Also accept `Authorization: Bearer <oauthToken>`. */
  oauthToken?: string;
  /** Replay responses for a repeated Idempotency-Key on PUT (ticket update) too, not only POST. */
  idempotencyOnUpdates?: boolean;
  /** First generated id (comments, audits, events, tickets without an explicit id). */
  firstGeneratedId?: bigint;
  /** The authenticated agent; default author of comments. */
  agentUserId?: string;
  /** Clock for updated_at/created_at. */
  now?: () => number;
  /** Origin written into pagination links (to test that clients refuse foreign links). */
  linkOrigin?: string;
}

export interface FakeComment {
  id: string;
  auditId: string;
  authorId: string;
  body: string;
  htmlBody: string;
  public: boolean;
  createdAt: string;
}

export interface FakeAudit {
  id: string;
  ticketId: string;
  authorId: string;
  createdAt: string;
  custom: Record<string, unknown>;
  events: Record<string, unknown>[];
}

export interface FakeTicket {
  id: string;
  subject: string;
  description: string;
  status: 'new' | 'open' | 'pending' | 'hold' | 'solved' | 'closed';
  priority: 'urgent' | 'high' | 'normal' | 'low' | null;
  type: string | null;
  groupId: string | null;
  assigneeId: string | null;
  requesterId: string;
  tags: string[];
  createdAt: string;
  updatedAt: string;
  comments: FakeComment[];
  audits: FakeAudit[];
}

export interface FakeGroup {
  id: string;
  name: string;
  deleted: boolean;
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  /** Lower-cased names. */
  headers: Record<string, string>;
  /** Parsed JSON with ids beyond 2^53 as digit strings; null when there was no body. */
  body: unknown;
  rawBody: string;
  /** What the fake answered. */
  status: number;
}

/** A scripted misbehaviour for upcoming requests that match `match` (all requests by default). */
export type Fault =
  | { kind: 'status'; status: number; retryAfter?: string; body?: unknown }
  | { kind: 'after-commit'; status: number }
  | { kind: 'drop-after-commit' }
  | { kind: 'delay'; ms: number }
  | { kind: 'before'; run: () => void };

export interface FaultMatch {
  method?: string;
  path?: RegExp;
}

const STATUSES = new Set(['new', 'open', 'pending', 'hold', 'solved', 'closed']);
const PRIORITIES = new Set(['urgent', 'high', 'normal', 'low']);

export class FakeZendesk {
  readonly requests: RecordedRequest[] = [];
  readonly tickets = new Map<string, FakeTicket>();
  readonly groups = new Map<string, FakeGroup>();
  readonly email: string;
  readonly token: string;
  url = '';
  private readonly server: Server;
  private readonly opts: FakeZendeskOptions;
  private readonly faults: { fault: Fault; match: FaultMatch }[] = [];
  private readonly idempotency = new Map<
    string,
    { fingerprint: string; status: number; body: string }
  >();
  private nextId: bigint;
  private lastStamp = 0;

  private constructor(opts: FakeZendeskOptions) {
    this.opts = opts;
    this.email = opts.email ?? 'agent@example.com';
    this.token = opts.token ?? 'fake-api-token';
    this.nextId = opts.firstGeneratedId ?? 9_007_199_254_740_993n;
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        res.statusCode = 500;
        res.end(String(err));
      });
    });
  }

  static async start(opts: FakeZendeskOptions = {}): Promise<FakeZendesk> {
    const fake = new FakeZendesk(opts);
    await new Promise<void>((resolve) => fake.server.listen(0, '127.0.0.1', resolve));
    const { port } = fake.server.address() as AddressInfo;
    fake.url = `http://127.0.0.1:${port}`;
    return fake;
  }

  /** The settings that point Deskpilot's Zendesk client at this fake. */
  config(): Record<'ZENDESK_API_URL' | 'ZENDESK_EMAIL' | 'ZENDESK_API_TOKEN', string> {
    return { ZENDESK_API_URL: this.url, ZENDESK_EMAIL: this.email, ZENDESK_API_TOKEN: this.token };
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  // ─── state ─────────────────────────────────────────────────────────────────────────────────

  /**
   * A ticket as its requester created it (by mail or web form), or, with `createdBy`, as an agent
   * created it for them. The creating audit carries `Create` events for priority and group.
   */
  seedTicket(
    init: Partial<Omit<FakeTicket, 'comments' | 'audits'>> & {
      comments?: string[];
      createdBy?: string;
    } = {},
  ): FakeTicket {
    const stamp = this.stamp();
    const id = init.id ?? this.generateId();
    const ticket: FakeTicket = {
      id,
      subject: init.subject ?? 'Cannot log in to my account',
      description:
        init.description ?? 'Since this morning the login page says my password is wrong.',
      status: init.status ?? 'open',
      priority: init.priority === undefined ? 'normal' : init.priority,
      type: init.type ?? 'question',
      groupId: init.groupId ?? null,
      assigneeId: init.assigneeId ?? null,
      requesterId: init.requesterId ?? '390000000000000001',
      tags: init.tags ?? [],
      createdAt: init.createdAt ?? stamp,
      updatedAt: init.updatedAt ?? stamp,
      comments: [],
      audits: [],
    };
    const created = (field: string, value: string | null) =>
      value === null ? [] : [{ id: this.generateId(), type: 'Create', field_name: field, value }];
    for (const [i, body] of (init.comments ?? [ticket.description]).entries()) {
      const auditId = this.generateId();
      const authorId = i === 0 && init.createdBy ? init.createdBy : ticket.requesterId;
      ticket.comments.push({
        id: this.generateId(),
        auditId,
        authorId,
        body,
        htmlBody: `<div class="zd-comment"><p>${escapeHtml(body)}</p></div>`,
        public: true,
        createdAt: ticket.createdAt,
      });
      ticket.audits.push({
        id: auditId,
        ticketId: id,
        authorId,
        createdAt: ticket.createdAt,
        custom: {},
        events:
          i === 0
            ? [...created('priority', ticket.priority), ...created('group_id', ticket.groupId)]
            : [],
      });
    }
    this.tickets.set(id, ticket);
    return ticket;
  }

  seedGroup(init: Partial<FakeGroup> & { name: string }): FakeGroup {
    const group = { id: init.id ?? this.generateId(), name: init.name, deleted: !!init.deleted };
    this.groups.set(group.id, group);
    return group;
  }

  ticket(id: string): FakeTicket {
    const ticket = this.tickets.get(id);
    if (!ticket) throw new Error(`fake zendesk: no ticket ${id}`);
    return ticket;
  }

  /**
   * A human agent sets fields in Zendesk's UI: the audit carries `Change` events by that agent (no
   * Deskpilot metadata), and `updated_at` moves on.
   */
  agentEdit(
    id: string,
    change: Partial<Pick<FakeTicket, 'priority' | 'groupId'>>,
    authorId = '390000000000000077',
  ): void {
    const ticket = this.ticket(id);
    const events: Record<string, unknown>[] = [];
    if (change.priority !== undefined && change.priority !== ticket.priority) {
      events.push({
        id: this.generateId(),
        type: 'Change',
        field_name: 'priority',
        value: change.priority,
        previous_value: ticket.priority,
      });
      ticket.priority = change.priority;
    }
    if (change.groupId !== undefined && change.groupId !== ticket.groupId) {
      events.push({
        id: this.generateId(),
        type: 'Change',
        field_name: 'group_id',
        value: change.groupId,
        previous_value: ticket.groupId,
      });
      ticket.groupId = change.groupId;
    }
    ticket.updatedAt = this.stamp(ticket.updatedAt);
    ticket.audits.push({
      id: this.generateId(),
      ticketId: id,
      authorId,
      createdAt: ticket.updatedAt,
      custom: {},
      events,
    });
  }

  /** Runs `run` just before the next matching request is handled (to stage a race). */
  beforeNext(run: () => void, match: FaultMatch = {}): void {
    this.faults.push({ fault: { kind: 'before', run }, match });
  }

  /** An agent edits the ticket in Zendesk's UI: `updated_at` moves on. */
  touchTicket(id: string, change: Partial<Pick<FakeTicket, 'priority' | 'status'>> = {}): void {
    const ticket = this.ticket(id);
    Object.assign(ticket, change);
    ticket.updatedAt = this.stamp(ticket.updatedAt);
  }

  // ─── scripted faults ──────────────────────────────────────────────────────────────────────

  /** Answer the next `count` matching requests with `status` (429 gets a Retry-After). */
  failNext(
    count: number,
    failure: { status: number; retryAfter?: number | string; body?: unknown },
    match: FaultMatch = {},
  ): void {
    for (let i = 0; i < count; i++) {
      this.faults.push({
        fault: {
          kind: 'status',
          status: failure.status,
          retryAfter: failure.retryAfter === undefined ? undefined : String(failure.retryAfter),
          body: failure.body,
        },
        match,
      });
    }
  }

  /** Apply the next `count` matching requests, then answer `status` anyway (an ambiguous 5xx). */
  failNextAfterCommit(count: number, status = 502, match: FaultMatch = {}): void {
    for (let i = 0; i < count; i++)
      this.faults.push({ fault: { kind: 'after-commit', status }, match });
  }

  /** Apply the next `count` matching requests, then drop the connection without answering. */
  dropNextAfterCommit(count: number, match: FaultMatch = {}): void {
    for (let i = 0; i < count; i++)
      this.faults.push({ fault: { kind: 'drop-after-commit' }, match });
  }

  /** Hold the next `count` matching requests for `ms` before handling them. */
  delayNext(count: number, ms: number, match: FaultMatch = {}): void {
    for (let i = 0; i < count; i++) this.faults.push({ fault: { kind: 'delay', ms }, match });
  }

  clearRequests(): void {
    this.requests.length = 0;
  }

  // ─── HTTP ─────────────────────────────────────────────────────────────────────────────────

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const rawBody = await readBody(req);
    const url = new URL(req.url ?? '/', 'http://fake.invalid');
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers)) {
      headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : (value ?? '');
    }
    let body: unknown = null;
    let bodyError = false;
    if (rawBody) {
      try {
        body = parse(rawBody, null, (d) => (isSafeNumber(d) ? Number(d) : d));
      } catch {
        bodyError = true;
      }
    }
    const recorded: RecordedRequest = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers,
      body,
      rawBody,
      status: 0,
    };
    this.requests.push(recorded);
    const send = (status: number, payload: unknown, extra: Record<string, string> = {}) => {
      recorded.status = status;
      const text = typeof payload === 'string' ? payload : (stringify(payload) ?? '');
      res.writeHead(status, {
        'Content-Type': 'application/json; charset=UTF-8',
        'X-Zendesk-Api-Version': 'v2',
        'X-Zendesk-Request-Id': createHash('sha1')
          .update(String(this.requests.length))
          .digest('hex')
          .slice(0, 20),
        ...extra,
      });
      res.end(text);
    };

    const fault = this.takeFault(recorded.method, recorded.path);
    if (fault?.kind === 'delay') await new Promise((r) => setTimeout(r, fault.ms));
    if (fault?.kind === 'before') fault.run();
    if (fault?.kind === 'status') {
      const extra: Record<string, string> = fault.retryAfter
        ? { 'Retry-After': fault.retryAfter }
        : {};
      return send(fault.status, fault.body ?? defaultErrorBody(fault.status), extra);
    }

    if (!this.authorized(headers.authorization)) {
      return send(401, { error: "Couldn't authenticate you" });
    }
    if (bodyError) return send(400, { error: 'InvalidJSON', description: 'Unparseable body' });

    const outcome = this.withIdempotency(recorded, () => this.route(recorded));
    if (fault?.kind === 'after-commit') {
      return send(fault.status, defaultErrorBody(fault.status));
    }
    if (fault?.kind === 'drop-after-commit') {
      recorded.status = -1;
      req.socket.destroy();
      return;
    }
    send(outcome.status, outcome.body, outcome.headers);
  }

  private takeFault(method: string, path: string): Fault | undefined {
    const index = this.faults.findIndex(
      ({ match }) =>
        (!match.method || match.method === method) && (!match.path || match.path.test(path)),
    );
    if (index < 0) return undefined;
    return this.faults.splice(index, 1)[0]?.fault;
  }

  private authorized(header: string | undefined): boolean {
    if (!header) return false;
    const basic = `Basic ${Buffer.from(`${this.email}/token:${this.token}`).toString('base64')}`;
    if (header === basic) return true;
    return !!this.opts.oauthToken && header === `Bearer ${this.opts.oauthToken}`;
  }

  /** Same key and same body → the first response again, marked `x-idempotency-lookup: hit`. */
  private withIdempotency(
    request: RecordedRequest,
    run: () => Outcome,
  ): { status: number; body: unknown; headers: Record<string, string> } {
    const key = request.headers['idempotency-key'];
    const applies =
      key &&
      (request.method === 'POST' ||
        (request.method === 'PUT' && this.opts.idempotencyOnUpdates !== false));
    if (!applies) {
      const out = run();
      return { ...out, headers: {} };
    }
    const fingerprint = `${request.method} ${request.path} ${request.rawBody}`;
    const previous = this.idempotency.get(key);
    if (previous) {
      if (previous.fingerprint !== fingerprint) {
        return {
          status: 400,
          body: {
            error: 'IdempotentRequestError',
            description: 'Idempotency-Key was already used with a different request',
          },
          headers: {},
        };
      }
      return {
        status: previous.status,
        body: previous.body,
        headers: { 'x-idempotency-lookup': 'hit' },
      };
    }
    const out = run();
    if (out.status < 500) {
      this.idempotency.set(key, {
        fingerprint,
        status: out.status,
        body: stringify(out.body) ?? '',
      });
    }
    return { ...out, headers: { 'x-idempotency-lookup': 'miss' } };
  }

  private route(request: RecordedRequest): Outcome {
    const { method, path } = request;
    let m = /^\/api\/v2\/tickets\/(\d+)(?:\.json)?$/.exec(path);
    if (m?.[1]) {
      const ticket = this.tickets.get(m[1]);
      if (!ticket) return notFound();
      if (method === 'GET') return ok({ ticket: this.ticketJson(ticket) });
      if (method === 'PUT') return this.updateTicket(ticket, request.body);
      return methodNotAllowed();
    }
    m = /^\/api\/v2\/tickets\/(\d+)\/(tags|comments|audits)(?:\.json)?$/.exec(path);
    if (m?.[1] && m[2]) {
      const ticket = this.tickets.get(m[1]);
      if (!ticket) return notFound();
      if (m[2] === 'tags' && method === 'PUT') return this.addTags(ticket, request.body);
      if (m[2] === 'tags' && method === 'GET') return ok({ tags: ticket.tags });
      if (m[2] === 'comments' && method === 'GET') {
        return this.page(
          request,
          'comments',
          ticket.comments.map((c) => this.commentJson(c)),
        );
      }
      if (m[2] === 'audits' && method === 'GET') {
        return this.page(
          request,
          'audits',
          ticket.audits.map((a) => this.auditJson(a)),
        );
      }
      return methodNotAllowed();
    }
    if (/^\/api\/v2\/groups(?:\.json)?$/.test(path) && method === 'GET') {
      return this.page(
        request,
        'groups',
        [...this.groups.values()].map((g) => this.groupJson(g)),
      );
    }
    return { status: 404, body: { error: 'InvalidEndpoint', description: 'Not found' } };
  }

  private updateTicket(ticket: FakeTicket, body: unknown): Outcome {
    const input = (isRecord(body) && isRecord(body.ticket) ? body.ticket : null) as Record<
      string,
      unknown
    > | null;
    if (!input) return invalid('ticket', 'is required');
    if (input.safe_update === true) {
      const stamp = typeof input.updated_stamp === 'string' ? Date.parse(input.updated_stamp) : NaN;
      if (Number.isNaN(stamp) || stamp < Date.parse(ticket.updatedAt)) {
        return {
          status: 409,
          body: {
            error: 'UpdateConflict',
            description:
              'Safe Update prevented the update due to outdated ticket data. Please fetch the latest ticket data and try again.',
          },
        };
      }
    }
    const events: Record<string, unknown>[] = [];
    const auditId = this.generateId();
    const change = (field: string, value: unknown, previous: unknown) =>
      events.push({
        id: this.generateId(),
        type: 'Change',
        value: field.endsWith('_id') && value != null ? String(value) : value,
        field_name: field,
        previous_value: field.endsWith('_id') && previous != null ? String(previous) : previous,
      });

    if ('group_id' in input) {
      const groupId = input.group_id == null ? null : String(input.group_id);
      if (groupId !== null && !this.groups.has(groupId)) return invalid('group', 'is invalid');
      if (groupId !== ticket.groupId) change('group_id', groupId, ticket.groupId);
    }
    if ('priority' in input && input.priority !== null && !PRIORITIES.has(String(input.priority))) {
      return invalid('priority', 'is not valid');
    }
    if ('status' in input && !STATUSES.has(String(input.status))) {
      return invalid('status', 'is not valid');
    }
    let comment: FakeComment | null = null;
    if (input.comment !== undefined) {
      const c = isRecord(input.comment) ? input.comment : {};
      const html = typeof c.html_body === 'string' ? c.html_body : null;
      const text = typeof c.body === 'string' ? c.body : html ? stripTags(html) : '';
      if (!text.trim()) return invalid('comment', 'body: cannot be blank');
      comment = {
        id: this.generateId(),
        auditId,
        authorId: c.author_id == null ? this.agentUserId : String(c.author_id),
        body: html ? stripTags(html) : text,
        htmlBody: html ?? `<div class="zd-comment"><p>${escapeHtml(text)}</p></div>`,
        public: c.public !== false,
        createdAt: '',
      };
    }
    // Validation passed: apply.
    if ('group_id' in input)
      ticket.groupId = input.group_id == null ? null : String(input.group_id);
    if ('priority' in input) {
      const priority = (input.priority ?? null) as FakeTicket['priority'];
      if (priority !== ticket.priority) change('priority', priority, ticket.priority);
      ticket.priority = priority;
    }
    if ('status' in input) {
      const status = String(input.status) as FakeTicket['status'];
      if (status !== ticket.status) change('status', status, ticket.status);
      ticket.status = status;
    }
    ticket.updatedAt = this.stamp(ticket.updatedAt);
    if (comment) {
      comment.createdAt = ticket.updatedAt;
      ticket.comments.push(comment);
      events.unshift({
        id: comment.id,
        type: 'Comment',
        author_id: comment.authorId,
        body: comment.body,
        html_body: comment.htmlBody,
        plain_body: comment.body,
        public: comment.public,
        attachments: [],
        audit_id: auditId,
      });
    }
    const audit: FakeAudit = {
      id: auditId,
      ticketId: ticket.id,
      authorId: this.agentUserId,
      createdAt: ticket.updatedAt,
      custom: isRecord(input.metadata) ? { ...input.metadata } : {},
      events,
    };
    ticket.audits.push(audit);
    return ok({ ticket: this.ticketJson(ticket), audit: this.auditJson(audit) });
  }

  private addTags(ticket: FakeTicket, body: unknown): Outcome {
    const tags = isRecord(body) && Array.isArray(body.tags) ? body.tags : null;
    if (!tags?.every((t) => typeof t === 'string')) return invalid('tags', 'is invalid');
    const before = [...ticket.tags];
    for (const tag of tags as string[]) if (!ticket.tags.includes(tag)) ticket.tags.push(tag);
    if (ticket.tags.length !== before.length) {
      ticket.updatedAt = this.stamp(ticket.updatedAt);
      ticket.audits.push({
        id: this.generateId(),
        ticketId: ticket.id,
        authorId: this.agentUserId,
        createdAt: ticket.updatedAt,
        custom: {},
        events: [
          {
            id: this.generateId(),
            type: 'Change',
            value: ticket.tags,
            field_name: 'tags',
            previous_value: before,
          },
        ],
      });
    }
    return ok({ tags: ticket.tags });
  }

  /** Cursor pagination when `page[size]` is given, otherwise one offset-style page. */
  private page(request: RecordedRequest, key: string, all: unknown[]): Outcome {
    const size = Number(request.query['page[size]']);
    if (!Number.isInteger(size) || size <= 0) {
      return ok({ [key]: all, next_page: null, previous_page: null, count: all.length });
    }
    if (size > 100) return invalid('page[size]', 'must be at most 100');
    const after = request.query['page[after]'];
    const start = after ? Number(Buffer.from(after, 'base64url').toString()) : 0;
    const items = all.slice(start, start + size);
    const end = start + items.length;
    const hasMore = end < all.length;
    const origin = this.opts.linkOrigin ?? this.url;
    const link = (cursor: string) =>
      `${origin}${request.path}?page%5Bafter%5D=${cursor}&page%5Bsize%5D=${size}`;
    const afterCursor = Buffer.from(String(end)).toString('base64url');
    return ok({
      [key]: items,
      meta: {
        has_more: hasMore,
        after_cursor: hasMore ? afterCursor : null,
        before_cursor: start > 0 ? Buffer.from(String(start)).toString('base64url') : null,
      },
      links: { next: hasMore ? link(afterCursor) : null, prev: null },
    });
  }

  // ─── JSON shapes (field names from the recorded Zendesk responses) ─────────────────────────

  private ticketJson(t: FakeTicket): Record<string, unknown> {
    return {
      url: `${this.url}/api/v2/tickets/${t.id}.json`,
      id: num(t.id),
      external_id: null,
      via: { channel: 'web', source: { from: {}, to: {}, rel: null } },
      created_at: t.createdAt,
      updated_at: t.updatedAt,
      type: t.type,
      subject: t.subject,
      raw_subject: t.subject,
      description: t.description,
      priority: t.priority,
      status: t.status,
      recipient: null,
      requester_id: num(t.requesterId),
      submitter_id: num(t.requesterId),
      assignee_id: t.assigneeId ? num(t.assigneeId) : null,
      organization_id: null,
      group_id: t.groupId ? num(t.groupId) : null,
      collaborator_ids: [],
      forum_topic_id: null,
      problem_id: null,
      has_incidents: false,
      due_at: null,
      tags: t.tags,
      custom_fields: [],
      satisfaction_rating: { score: 'unoffered' },
      sharing_agreement_ids: [],
      fields: [],
      ticket_form_id: null,
      brand_id: num('5446'),
    };
  }

  private commentJson(c: FakeComment): Record<string, unknown> {
    return {
      id: num(c.id),
      type: 'Comment',
      author_id: num(c.authorId),
      body: c.body,
      html_body: c.htmlBody,
      plain_body: c.body,
      public: c.public,
      attachments: [],
      audit_id: num(c.auditId),
      via: { channel: 'api', source: { from: {}, to: {}, rel: null } },
      created_at: c.createdAt,
      metadata: { system: {}, custom: {} },
    };
  }

  private auditJson(a: FakeAudit): Record<string, unknown> {
    return {
      id: num(a.id),
      ticket_id: num(a.ticketId),
      created_at: a.createdAt,
      author_id: num(a.authorId),
      via: { channel: 'api', source: { from: {}, to: {}, rel: null } },
      metadata: { system: { client: 'fake-zendesk' }, custom: a.custom },
      events: a.events.map((e) => ({
        ...e,
        id: num(String(e.id)),
        ...(e.author_id ? { author_id: num(String(e.author_id)) } : {}),
        ...(e.audit_id ? { audit_id: num(String(e.audit_id)) } : {}),
      })),
    };
  }

  private groupJson(g: FakeGroup): Record<string, unknown> {
    return {
      url: `${this.url}/api/v2/groups/${g.id}.json`,
      id: num(g.id),
      is_public: true,
      name: g.name,
      description: '',
      default: false,
      deleted: g.deleted,
      created_at: '2012-09-06T20:17:09Z',
      updated_at: '2012-09-06T20:17:09Z',
    };
  }

  private get agentUserId(): string {
    return this.opts.agentUserId ?? '390000000000000002';
  }

  private generateId(): string {
    const id = this.nextId;
    this.nextId += 1n;
    return id.toString();
  }

  /** Zendesk timestamps have second precision; keep them strictly increasing per fake. */
  private stamp(previous?: string): string {
    let ms = Math.floor((this.opts.now ?? Date.now)() / 1000) * 1000;
    const floor = Math.max(this.lastStamp, previous ? Date.parse(previous) : 0);
    if (ms <= floor) ms = floor + 1000;
    this.lastStamp = ms;
    return new Date(ms).toISOString().replace('.000Z', 'Z');
  }
}

type Outcome = { status: number; body: unknown };

function ok(body: unknown): Outcome {
  return { status: 200, body };
}
function notFound(): Outcome {
  return { status: 404, body: { error: 'RecordNotFound', description: 'Not found' } };
}
function methodNotAllowed(): Outcome {
  return { status: 405, body: { error: 'MethodNotAllowed', description: 'Method not allowed' } };
}
function invalid(field: string, message: string): Outcome {
  return {
    status: 422,
    body: {
      error: 'RecordInvalid',
      description: 'Record validation errors',
      details: { [field]: [{ description: `${field}: ${message}` }] },
    },
  };
}
function defaultErrorBody(status: number): unknown {
  if (status === 429) {
    return {
      error: 'APIRateLimitExceeded',
      description: 'Number of allowed API requests per minute exceeded',
    };
  }
  if (status >= 500) return { error: 'ServerError', description: 'Something went wrong' };
  return { error: 'Error', description: `status ${status}` };
}
function num(id: string): LosslessNumber {
  return new LosslessNumber(id);
}
function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"]/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c] ?? c,
  );
}
function stripTags(html: string): string {
  return html.replace(/<[^>]*>/g, '').trim();
}
async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
