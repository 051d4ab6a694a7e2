import { z } from 'zod';
import type { Config } from '../../config/index.js';
import type { Logger } from '../../log.js';
import { ZendeskConflictError } from './errors.js';
import { parseWith, ZendeskHttp, type ZendeskHttpOptions } from './http.js';
import {
  auditSchema,
  commentSchema,
  groupSchema,
  jsonId,
  type PageMeta,
  pageSchema,
  pathId,
  tagsEnvelope,
  ticketEnvelope,
  updateEnvelope,
} from './schemas.js';
import type {
  AddCommentOptions,
  AddCommentResult,
  CallOptions,
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

/*
 * The Zendesk operations Deskpilot uses (six endpoints), over the HTTP layer in `http.ts` and the
 * wire format in `schemas.ts`.
 */

export interface HttpZendeskClientOptions extends ZendeskHttpOptions {
  /** Page size for list endpoints (Zendesk's cursor pagination allows up to 100). */
  pageSize?: number;
  /** Stop following pagination links after this many pages. */
  maxPages?: number;
  /** How long the group list is trusted before it is fetched again. */
  groupCacheTtlMs?: number;
  /** A name missing from a cache older than this triggers one refresh (a group created just now). */
  groupMissRefreshMs?: number;
}

const AUDIT_METADATA_KEY = 'deskpilot_idempotency_key';
/** Custom audit metadata naming the Deskpilot step that made a field update. */
const WRITTEN_BY_METADATA_KEY = 'deskpilot_written_by';

/** Creates the real client when Zendesk API credentials are configured, otherwise null. */
export function createZendeskClientFromConfig(
  config: Pick<
    Config,
    'ZENDESK_SUBDOMAIN' | 'ZENDESK_API_URL' | 'ZENDESK_EMAIL' | 'ZENDESK_API_TOKEN'
  >,
  extra: Omit<HttpZendeskClientOptions, 'subdomain' | 'baseUrl' | 'auth'> = {},
): HttpZendeskClient | null {
  const { ZENDESK_SUBDOMAIN, ZENDESK_API_URL, ZENDESK_EMAIL, ZENDESK_API_TOKEN } = config;
  if (!ZENDESK_API_TOKEN || !ZENDESK_EMAIL || !(ZENDESK_SUBDOMAIN || ZENDESK_API_URL)) return null;
  return new HttpZendeskClient({
    ...extra,
    subdomain: ZENDESK_SUBDOMAIN,
    baseUrl: ZENDESK_API_URL,
    auth: { kind: 'token', email: ZENDESK_EMAIL, token: ZENDESK_API_TOKEN },
  });
}

export class HttpZendeskClient implements ZendeskClient {
  readonly baseUrl: URL;
  private readonly http: ZendeskHttp;
  private readonly pageSize: number;
  private readonly maxPages: number;
  private readonly groupCacheTtlMs: number;
  private readonly groupMissRefreshMs: number;
  private readonly logger: Pick<Logger, 'warn'> | undefined;
  private readonly now: () => number;
  private groupCache: { loadedAt: number; byName: Map<string, ZendeskGroup> } | null = null;
  private groupLoad: Promise<Map<string, ZendeskGroup>> | null = null;

  constructor(opts: HttpZendeskClientOptions) {
    this.http = new ZendeskHttp(opts);
    this.baseUrl = this.http.baseUrl;
    this.pageSize = Math.min(100, Math.max(1, opts.pageSize ?? 100));
    this.maxPages = opts.maxPages ?? 100;
    this.groupCacheTtlMs = opts.groupCacheTtlMs ?? 10 * 60_000;
    this.groupMissRefreshMs = opts.groupMissRefreshMs ?? 60_000;
    this.logger = opts.logger;
    this.now = opts.now ?? Date.now;
  }

  async getTicket(id: ZendeskId, opts: CallOptions = {}): Promise<ZendeskTicket> {
    const path = `/api/v2/tickets/${pathId(id)}.json`;
    const body = await this.http.request({
      method: 'GET',
      path,
      idempotent: true,
      signal: opts.signal,
    });
    return parseWith(ticketEnvelope, body, 'GET', path).ticket;
  }

  async addTags(ticketId: ZendeskId, tags: string[], opts: CallOptions = {}): Promise<string[]> {
    const wanted = [...new Set(tags.map((t) => t.trim()).filter(Boolean))];
    if (wanted.length === 0) return (await this.getTicket(ticketId, opts)).tags;
    // PUT on the tags sub-resource adds to the existing set (POST would replace it), and adding
    // the same tags twice is harmless, so every failure is safe to retry.
    const path = `/api/v2/tickets/${pathId(ticketId)}/tags.json`;
    const body = await this.http.request({
      method: 'PUT',
      path,
      body: { tags: wanted },
      idempotent: true,
      signal: opts.signal,
    });
    return parseWith(tagsEnvelope, body, 'PUT', path).tags;
  }

  async updateTicket(
    ticketId: ZendeskId,
    update: TicketFieldsUpdate,
    opts: UpdateTicketOptions = {},
  ): Promise<ZendeskTicket> {
    const fields: Record<string, unknown> = {};
    if (update.groupId !== undefined) fields.group_id = update.groupId && jsonId(update.groupId);
    if (update.priority !== undefined) fields.priority = update.priority;
    if (update.status !== undefined) fields.status = update.status;
    if (Object.keys(fields).length === 0) return this.getTicket(ticketId, opts);
    if (opts.safeUpdate) {
      fields.safe_update = true;
      fields.updated_stamp = opts.safeUpdate.updatedAt;
    }
    if (opts.writtenBy) fields.metadata = { [WRITTEN_BY_METADATA_KEY]: opts.writtenBy };
    const path = `/api/v2/tickets/${pathId(ticketId)}.json`;
    try {
      const body = await this.http.request({
        method: 'PUT',
        path,
        body: { ticket: fields },
        // Setting fields to values converges, so resending is safe; the one wrinkle is handled
        // below: a resend of a safe update that already landed conflicts with itself.
        idempotent: true,
        signal: opts.signal,
      });
      return parseWith(ticketEnvelope, body, 'PUT', path).ticket;
    } catch (err) {
      if (err instanceof ZendeskConflictError && err.afterUncertainAttempt) {
        const current = await this.getTicket(ticketId, opts);
        if (fieldsApplied(current, update)) return current;
      }
      throw err;
    }
  }

  async addComment(
    ticketId: ZendeskId,
    comment: NewComment,
    opts: AddCommentOptions,
  ): Promise<AddCommentResult> {
    const key = opts.idempotencyKey;
    if (!key || key.length > 255) throw new TypeError('idempotencyKey must be 1-255 characters');
    const lookup = () => this.findCommentByIdempotencyKey(ticketId, key, opts.signal);
    if (opts.lookupExisting) {
      const existing = await lookup();
      if (existing) return existing;
    }
    const commentBody: Record<string, unknown> = { body: comment.body, public: comment.public };
    if (comment.htmlBody !== undefined) commentBody.html_body = comment.htmlBody;
    if (comment.authorId !== undefined) commentBody.author_id = jsonId(comment.authorId);
    const path = `/api/v2/tickets/${pathId(ticketId)}.json`;
    const outcome = await this.http.send({
      method: 'PUT',
      path,
      // The audit's custom metadata carries the key, so a retry can find what an earlier attempt
      // created even if Zendesk does not honour Idempotency-Key on updates.
      body: { ticket: { comment: commentBody, metadata: { [AUDIT_METADATA_KEY]: key } } },
      headers: { 'Idempotency-Key': key },
      idempotent: false,
      resolveUncertain: lookup,
      signal: opts.signal,
    });
    if ('resolved' in outcome) return outcome.resolved;
    const audit = parseWith(updateEnvelope, outcome.body, 'PUT', path).audit;
    return {
      commentId: audit ? commentEventId(audit) : null,
      auditId: audit?.id ?? null,
      // Zendesk marks a response replayed from its idempotency store this way.
      replayed: outcome.headers.get('x-idempotency-lookup') === 'hit',
    };
  }

  async listComments(ticketId: ZendeskId, opts: CallOptions = {}): Promise<ZendeskComment[]> {
    return this.listAll(
      `/api/v2/tickets/${pathId(ticketId)}/comments.json`,
      'comments',
      commentSchema,
      opts.signal,
    );
  }

  async listFieldChanges(
    ticketId: ZendeskId,
    opts: CallOptions = {},
  ): Promise<ZendeskFieldChange[]> {
    const audits = await this.listAll(
      `/api/v2/tickets/${pathId(ticketId)}/audits.json`,
      'audits',
      auditSchema,
      opts.signal,
    );
    return audits.flatMap((audit) => {
      const marker = audit.metadata?.custom?.[WRITTEN_BY_METADATA_KEY];
      return audit.events
        .filter(
          (event) =>
            (event.type === 'Change' || event.type === 'Create') &&
            typeof event.field_name === 'string',
        )
        .map((event) => ({
          auditId: audit.id,
          field: event.field_name as string,
          value: event.value ?? null,
          writtenBy: typeof marker === 'string' ? marker : null,
          created: event.type === 'Create',
          authorId: audit.author_id,
          createdAt: audit.created_at ?? null,
        }));
    });
  }

  async findGroupByName(name: string, opts: CallOptions = {}): Promise<ZendeskGroup | null> {
    const key = groupKey(name);
    const cache = this.groupCache;
    const age = cache ? this.now() - cache.loadedAt : Number.POSITIVE_INFINITY;
    if (cache && age < this.groupCacheTtlMs) {
      const hit = cache.byName.get(key);
      if (hit || age < this.groupMissRefreshMs) return hit ?? null;
    }
    opts.signal?.throwIfAborted();
    const byName = await this.loadGroups();
    return byName.get(key) ?? null;
  }

  /** Drops the cached group list (e.g. after an admin renames groups). */
  clearGroupCache(): void {
    this.groupCache = null;
  }

  private loadGroups(): Promise<Map<string, ZendeskGroup>> {
    // Concurrent triage jobs share one fetch instead of each listing every group. It takes no
    // caller's signal: one caller giving up must not fail the others (attempt timeouts bound it).
    this.groupLoad ??= this.listAll('/api/v2/groups.json', 'groups', groupSchema, undefined)
      .then((groups) => {
        const byName = new Map<string, ZendeskGroup>();
        for (const group of groups) {
          if (!group.deleted && !byName.has(groupKey(group.name))) {
            byName.set(groupKey(group.name), group);
          }
        }
        this.groupCache = { loadedAt: this.now(), byName };
        return byName;
      })
      .finally(() => {
        this.groupLoad = null;
      });
    return this.groupLoad;
  }

  private async findCommentByIdempotencyKey(
    ticketId: ZendeskId,
    key: string,
    signal: AbortSignal | undefined,
  ): Promise<AddCommentResult | undefined> {
    const audits = await this.listAll(
      `/api/v2/tickets/${pathId(ticketId)}/audits.json`,
      'audits',
      auditSchema,
      signal,
    );
    const audit = audits.find((a) => a.metadata?.custom?.[AUDIT_METADATA_KEY] === key);
    if (!audit) return undefined;
    return { commentId: commentEventId(audit), auditId: audit.id, replayed: true };
  }

  /** Follows cursor pagination (`meta.has_more` + `links.next`) or offset `next_page`. */
  private async listAll<S extends z.ZodType>(
    path: string,
    key: string,
    itemSchema: S,
    signal: AbortSignal | undefined,
  ): Promise<z.output<S>[]> {
    const items: z.output<S>[] = [];
    const list = z.array(itemSchema);
    let next: string | null = `${path}?page[size]=${this.pageSize}`;
    for (let page = 0; next && page < this.maxPages; page++) {
      const body = await this.http.request({ method: 'GET', path: next, idempotent: true, signal });
      const meta: PageMeta = parseWith(pageSchema, body, 'GET', next);
      const record = body as Record<string, unknown>;
      items.push(...parseWith(list, record[key], 'GET', next));
      next = meta.meta
        ? meta.meta.has_more
          ? (meta.links?.next ?? null)
          : null
        : (meta.next_page ?? null);
      if (next) next = this.http.sameOriginPath(next);
    }
    if (next) {
      this.logger?.warn(
        { zendesk: { path, pages: this.maxPages } },
        'zendesk list truncated at maxPages',
      );
    }
    return items;
  }
}

function fieldsApplied(ticket: ZendeskTicket, update: TicketFieldsUpdate): boolean {
  return (
    (update.groupId === undefined || ticket.groupId === update.groupId) &&
    (update.priority === undefined || ticket.priority === update.priority) &&
    (update.status === undefined || ticket.status === update.status)
  );
}

function groupKey(name: string): string {
  return name.trim().toLocaleLowerCase('en-US');
}

function commentEventId(audit: { events: { type: string; id: string | null }[] }): string | null {
  return audit.events.find((e) => e.type === 'Comment')?.id ?? null;
}
