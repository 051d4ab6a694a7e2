import { setTimeout as delay } from 'node:timers/promises';
import { isSafeNumber, LosslessNumber, parse, stringify } from 'lossless-json';
import { z } from 'zod';
import type { Config } from '../../config/index.js';
import type { Logger } from '../../log.js';
import {
  ZendeskApiError,
  ZendeskConflictError,
  ZendeskNetworkError,
  ZendeskRateLimitError,
  type ZendeskRequestInfo,
} from './errors.js';
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
 * Built on Node's fetch rather than an SDK: we call six endpoints, and owning the HTTP layer is
 * what lets us keep ids exact (lossless JSON both ways), honour Retry-After with a wait budget,
 * send Idempotency-Key, and guarantee request bodies (customer text) never reach a log or an error.
 */

export type ZendeskAuth =
  | { kind: 'token'; email: string; token: string }
  | { kind: 'oauth'; accessToken: string };

export interface ZendeskRetryPolicy {
  /** Retries after a 5xx, a timeout or a dropped connection. */
  maxRetries: number;
  /** Retries after a 429. */
  maxRateLimitRetries: number;
  /**
   * Upper bound on the time one call spends waiting between attempts. A Retry-After that would
   * cross it fails fast with ZendeskRateLimitError so the queue can reschedule the job instead of
   * holding a worker slot.
   */
  maxTotalWaitMs: number;
  /** Exponential backoff for 5xx/network failures: base · 2^n, capped, with jitter. */
  baseDelayMs: number;
  maxDelayMs: number;
}

export interface HttpZendeskClientOptions {
  /** `acme` for https://acme.zendesk.com. Either this or `baseUrl`. */
  subdomain?: string;
  /** Overrides the subdomain URL (a proxy, or the local fake in tests). */
  baseUrl?: string;
  auth: ZendeskAuth;
  /** Per attempt, including reading the body. */
  timeoutMs?: number;
  retry?: Partial<ZendeskRetryPolicy>;
  /** Page size for list endpoints (Zendesk's cursor pagination allows up to 100). */
  pageSize?: number;
  /** Stop following pagination links after this many pages. */
  maxPages?: number;
  /** How long the group list is trusted before it is fetched again. */
  groupCacheTtlMs?: number;
  /** A name missing from a cache older than this triggers one refresh (a group created just now). */
  groupMissRefreshMs?: number;
  logger?: Pick<Logger, 'warn'>;
  /** Injected for tests: waiting, the clock (for HTTP-date Retry-After) and jitter. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  now?: () => number;
  random?: () => number;
  fetch?: typeof fetch;
}

export const DEFAULT_RETRY_POLICY: ZendeskRetryPolicy = {
  maxRetries: 3,
  maxRateLimitRetries: 3,
  // Zendesk's per-minute limits reset within 60 s; waiting longer inside one call only ties up a
  // worker that the queue could give to another job.
  maxTotalWaitMs: 60_000,
  baseDelayMs: 500,
  maxDelayMs: 8_000,
};

const AUDIT_METADATA_KEY = 'deskpilot_idempotency_key';
/** Custom audit metadata naming the Deskpilot step that made a field update. */
const WRITTEN_BY_METADATA_KEY = 'deskpilot_written_by';
const ID_PATTERN = /^\d{1,30}$/;

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

export function zendeskAuthorizationHeader(auth: ZendeskAuth): string {
  if (auth.kind === 'oauth') return `Bearer ${auth.accessToken}`;
  return `Basic ${Buffer.from(`${auth.email}/token:${auth.token}`, 'utf8').toString('base64')}`;
}

/** Zendesk JSON with integers beyond 2^53 kept as digit strings instead of being rounded. */
export function parseZendeskResponse(raw: string): unknown {
  return parse(raw, null, (digits) => (isSafeNumber(digits) ? Number(digits) : digits));
}

export class HttpZendeskClient implements ZendeskClient {
  readonly baseUrl: URL;
  private readonly authorization: string;
  private readonly timeoutMs: number;
  private readonly retry: ZendeskRetryPolicy;
  private readonly pageSize: number;
  private readonly maxPages: number;
  private readonly groupCacheTtlMs: number;
  private readonly groupMissRefreshMs: number;
  private readonly logger: Pick<Logger, 'warn'> | undefined;
  private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  private readonly now: () => number;
  private readonly random: () => number;
  private readonly fetchImpl: typeof fetch;
  private groupCache: { loadedAt: number; byName: Map<string, ZendeskGroup> } | null = null;
  /**
   * Zendesk's limits are per account, and every call of this process shares them: after a 429
   * says "not before T", no call is sent before T. A call that cannot wait that long inside its
   * budget fails at once with the remaining time, without spending a request on a sure refusal.
   */
  private notBefore = 0;
  private groupLoad: Promise<Map<string, ZendeskGroup>> | null = null;

  constructor(opts: HttpZendeskClientOptions) {
    this.baseUrl = resolveBaseUrl(opts);
    this.authorization = zendeskAuthorizationHeader(opts.auth);
    this.timeoutMs = opts.timeoutMs ?? 15_000;
    this.retry = { ...DEFAULT_RETRY_POLICY, ...opts.retry };
    this.pageSize = Math.min(100, Math.max(1, opts.pageSize ?? 100));
    this.maxPages = opts.maxPages ?? 100;
    this.groupCacheTtlMs = opts.groupCacheTtlMs ?? 10 * 60_000;
    this.groupMissRefreshMs = opts.groupMissRefreshMs ?? 60_000;
    this.logger = opts.logger;
    this.sleep = opts.sleep ?? ((ms, signal) => delay(ms, undefined, { signal }));
    this.now = opts.now ?? Date.now;
    this.random = opts.random ?? Math.random;
    this.fetchImpl = opts.fetch ?? fetch;
  }

  async getTicket(id: ZendeskId, opts: CallOptions = {}): Promise<ZendeskTicket> {
    const path = `/api/v2/tickets/${pathId(id)}.json`;
    const body = await this.request({ method: 'GET', path, idempotent: true, signal: opts.signal });
    return parseWith(ticketEnvelope, body, 'GET', path).ticket;
  }

  async addTags(ticketId: ZendeskId, tags: string[], opts: CallOptions = {}): Promise<string[]> {
    const wanted = [...new Set(tags.map((t) => t.trim()).filter(Boolean))];
    if (wanted.length === 0) return (await this.getTicket(ticketId, opts)).tags;
    // PUT on the tags sub-resource adds to the existing set (POST would replace it), and adding
    // the same tags twice is harmless, so every failure is safe to retry.
    const path = `/api/v2/tickets/${pathId(ticketId)}/tags.json`;
    const body = await this.request({
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
      const body = await this.request({
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
    const outcome = await this.send({
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
        .filter((event) => event.type === 'Change' && typeof event.field_name === 'string')
        .map((event) => ({
          auditId: audit.id,
          field: event.field_name as string,
          value: event.value ?? null,
          writtenBy: typeof marker === 'string' ? marker : null,
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
      const body = await this.request({ method: 'GET', path: next, idempotent: true, signal });
      const meta: PageMeta = parseWith(pageSchema, body, 'GET', next);
      const record = body as Record<string, unknown>;
      items.push(...parseWith(list, record[key], 'GET', next));
      next = meta.meta
        ? meta.meta.has_more
          ? (meta.links?.next ?? null)
          : null
        : (meta.next_page ?? null);
      if (next) next = this.sameOriginPath(next);
    }
    if (next) {
      this.logger?.warn(
        { zendesk: { path, pages: this.maxPages } },
        'zendesk list truncated at maxPages',
      );
    }
    return items;
  }

  /** Pagination links are absolute; only follow them to our own Zendesk, never with our token elsewhere. */
  private sameOriginPath(link: string): string {
    const url = new URL(link, this.baseUrl);
    if (url.origin !== this.baseUrl.origin) {
      throw new ZendeskApiError(
        {
          status: 200,
          code: 'UnexpectedPaginationLink',
          description: `next page points to ${url.origin}`,
          body: null,
          zendeskRequestId: null,
          retryable: false,
        },
        { method: 'GET', path: url.pathname, attempts: 1 },
      );
    }
    return `${url.pathname}${url.search}`;
  }

  private async request(spec: RequestSpec<never>): Promise<unknown> {
    const outcome = await this.send(spec);
    return 'resolved' in outcome ? outcome.resolved : outcome.body;
  }

  /**
   * One logical call: attempts, waits and retries. Resolves with Zendesk's parsed body, or with
   * what `resolveUncertain` found when an earlier attempt turned out to have landed.
   */
  private async send<T>(
    spec: RequestSpec<T>,
  ): Promise<{ body: unknown; headers: Headers } | { resolved: T }> {
    const url = new URL(spec.path, this.baseUrl);
    const path = `${url.pathname}${url.search}`;
    const headers: Record<string, string> = {
      Accept: 'application/json',
      Authorization: this.authorization,
      'User-Agent': 'deskpilot-zendesk-client',
      ...spec.headers,
    };
    let payload: string | undefined;
    if (spec.body !== undefined) {
      payload = stringify(spec.body);
      headers['Content-Type'] = 'application/json; charset=utf-8';
    }

    let attempts = 0;
    let failureRetries = 0;
    let rateLimitRetries = 0;
    let waitedMs = 0;
    let uncertain = false;
    const info = (): ZendeskRequestInfo => ({ method: spec.method, path, attempts });
    const canResend = spec.idempotent || spec.resolveUncertain !== undefined;

    /** Waits unless the budget forbids it; returns false when the caller should give up. */
    const wait = async (ms: number, status: number | string): Promise<boolean> => {
      if (waitedMs + ms > this.retry.maxTotalWaitMs) return false;
      this.logger?.warn(
        { zendesk: { method: spec.method, path, status, attempt: attempts, delayMs: ms } },
        'zendesk call failed; retrying',
      );
      waitedMs += ms;
      await this.sleep(ms, spec.signal);
      return true;
    };
    /** After an uncertain failure: did the earlier attempt land after all? */
    const resolved = async (): Promise<{ resolved: T } | undefined> => {
      if (!spec.resolveUncertain) return undefined;
      const value = await spec.resolveUncertain();
      return value === undefined ? undefined : { resolved: value };
    };

    for (;;) {
      spec.signal?.throwIfAborted();
      // Before the first attempt only: later attempts of this call have waited out its own 429s.
      const blockedMs = attempts === 0 ? this.notBefore - this.now() : 0;
      if (blockedMs > 0 && !(await wait(blockedMs, 'rate limited'))) {
        throw new ZendeskRateLimitError(
          {
            status: 429,
            code: 'RateLimited',
            description: 'an earlier answer asked to wait (Retry-After)',
            body: null,
            zendeskRequestId: null,
            retryAfterMs: blockedMs,
          },
          info(),
        );
      }
      attempts++;
      const timeout = AbortSignal.timeout(this.timeoutMs);
      const signal = spec.signal ? AbortSignal.any([spec.signal, timeout]) : timeout;
      let response: Response;
      let text: string;
      try {
        response = await this.fetchImpl(url, {
          method: spec.method,
          headers,
          body: payload,
          signal,
          redirect: 'error',
        });
        text = await response.text();
      } catch (err) {
        if (spec.signal?.aborted) throw spec.signal.reason;
        const reason = timeout.aborted ? 'timeout' : 'network';
        if (!canResend || failureRetries >= this.retry.maxRetries) {
          throw new ZendeskNetworkError(reason, info(), err);
        }
        const backoff = this.backoff(failureRetries++);
        uncertain = true;
        if (!(await wait(backoff, reason))) throw new ZendeskNetworkError(reason, info(), err);
        const done = await resolved();
        if (done) return done;
        continue;
      }

      const body = parseBody(text);
      if (response.ok) return { body, headers: response.headers };

      const status = response.status;
      const errorInit = {
        status,
        ...errorFields(body),
        body,
        zendeskRequestId: response.headers.get('x-zendesk-request-id'),
        afterUncertainAttempt: uncertain,
      };
      const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'), this.now());

      if (status === 429) {
        // Zendesk rejects a rate-limited request before doing anything, so resending is always safe.
        if (retryAfterMs !== null) {
          this.notBefore = Math.max(this.notBefore, this.now() + retryAfterMs);
        }
        const waitMs = retryAfterMs ?? this.backoff(rateLimitRetries);
        if (rateLimitRetries >= this.retry.maxRateLimitRetries || !(await wait(waitMs, status))) {
          throw new ZendeskRateLimitError({ ...errorInit, retryAfterMs }, info());
        }
        rateLimitRetries++;
        continue;
      }
      if (status >= 500) {
        if (!canResend || failureRetries >= this.retry.maxRetries) {
          throw new ZendeskApiError(errorInit, info());
        }
        const waitMs = retryAfterMs ?? this.backoff(failureRetries);
        failureRetries++;
        uncertain = true;
        if (!(await wait(waitMs, status))) throw new ZendeskApiError(errorInit, info());
        const done = await resolved();
        if (done) return done;
        continue;
      }
      if (status === 409) throw new ZendeskConflictError(errorInit, info());
      throw new ZendeskApiError(errorInit, info());
    }
  }

  /** Exponential backoff with equal jitter: half fixed, half random, so retries spread out. */
  private backoff(retry: number): number {
    const cap = Math.min(this.retry.maxDelayMs, this.retry.baseDelayMs * 2 ** retry);
    return Math.round(cap / 2 + this.random() * (cap / 2));
  }
}

interface RequestSpec<T> {
  method: 'GET' | 'PUT' | 'POST';
  /** Path (and query) relative to the base URL. */
  path: string;
  body?: unknown;
  headers?: Record<string, string>;
  /** Resending after an uncertain failure (5xx, timeout, reset) cannot cause a double effect. */
  idempotent: boolean;
  /** For non-idempotent requests: finds the effect of an earlier attempt, if it landed. */
  resolveUncertain?: () => Promise<T | undefined>;
  signal?: AbortSignal;
}

function resolveBaseUrl(opts: HttpZendeskClientOptions): URL {
  if (opts.baseUrl) {
    const url = new URL(opts.baseUrl);
    if (url.protocol !== 'https:' && url.protocol !== 'http:') {
      throw new TypeError(`Zendesk base URL must be http(s): ${url.protocol}`);
    }
    if (url.username || url.password) {
      throw new TypeError('Zendesk base URL must not contain credentials; use auth instead');
    }
    return new URL(url.origin);
  }
  if (opts.subdomain && /^[a-z0-9][a-z0-9-]{0,62}$/i.test(opts.subdomain)) {
    return new URL(`https://${opts.subdomain}.zendesk.com`);
  }
  throw new TypeError(
    'Zendesk client needs a subdomain (letters, digits, dashes) or a baseUrl; set ZENDESK_SUBDOMAIN or ZENDESK_API_URL',
  );
}

/** Ids go into URLs as the decimal string they are, never through a JavaScript number. */
function pathId(id: ZendeskId): string {
  if (!ID_PATTERN.test(id)) throw new TypeError(`not a Zendesk id: ${JSON.stringify(id)}`);
  return id;
}

/** Ids go into JSON bodies as numbers with every digit intact. */
function jsonId(id: ZendeskId): LosslessNumber {
  return new LosslessNumber(pathId(id));
}

/** Retry-After is seconds (what Zendesk sends) or an HTTP date. */
export function parseRetryAfter(value: string | null, now: number): number | null {
  if (!value) return null;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.ceil(Number(trimmed) * 1000);
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

function parseBody(text: string): unknown {
  if (text === '') return null;
  try {
    return parseZendeskResponse(text);
  } catch {
    // An HTML error page from a proxy or load balancer: keep a bounded excerpt for diagnosis.
    return text.slice(0, 1000);
  }
}

function errorFields(body: unknown): { code: string | null; description: string | null } {
  if (!body || typeof body !== 'object') return { code: null, description: null };
  const record = body as Record<string, unknown>;
  const error = record.error;
  if (typeof error === 'string') {
    return {
      code: error,
      description: typeof record.description === 'string' ? record.description : null,
    };
  }
  if (error && typeof error === 'object') {
    const nested = error as Record<string, unknown>;
    return {
      code: typeof nested.title === 'string' ? nested.title : null,
      description: typeof nested.message === 'string' ? nested.message : null,
    };
  }
  return { code: null, description: null };
}

function parseWith<S extends z.ZodType>(
  schema: S,
  body: unknown,
  method: string,
  path: string,
): z.output<S> {
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  throw new ZendeskApiError(
    {
      status: 200,
      code: 'InvalidResponse',
      description: `unexpected response shape: ${parsed.error.issues
        .slice(0, 3)
        .map((i) => `${i.path.join('.')}: ${i.message}`)
        .join('; ')}`,
      body: null,
      zendeskRequestId: null,
      retryable: false,
    },
    { method, path, attempts: 1 },
  );
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

// ─── response schemas (field names as in Zendesk's recorded responses) ──────────────────────────

const zid = z
  .union([z.string().regex(ID_PATTERN), z.number().int().nonnegative()])
  .transform((v) => String(v));
const nullableId = zid.nullish().transform((v) => v ?? null);
const nullableString = z
  .string()
  .nullish()
  .transform((v) => v ?? null);

const ticketSchema = z
  .object({
    id: zid,
    subject: nullableString,
    description: nullableString,
    status: z.enum(['new', 'open', 'pending', 'hold', 'solved', 'closed']),
    priority: z.enum(['urgent', 'high', 'normal', 'low']).nullish(),
    type: nullableString,
    group_id: nullableId,
    assignee_id: nullableId,
    requester_id: nullableId,
    organization_id: nullableId,
    brand_id: nullableId,
    external_id: z
      .union([z.string(), z.number()])
      .nullish()
      .transform((v) => (v == null ? null : String(v))),
    tags: z
      .array(z.string())
      .nullish()
      .transform((v) => v ?? []),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .transform(
    (t): ZendeskTicket => ({
      id: t.id,
      subject: t.subject,
      description: t.description,
      status: t.status,
      priority: t.priority ?? null,
      type: t.type,
      groupId: t.group_id,
      assigneeId: t.assignee_id,
      requesterId: t.requester_id,
      organizationId: t.organization_id,
      brandId: t.brand_id,
      externalId: t.external_id,
      tags: t.tags,
      createdAt: t.created_at,
      updatedAt: t.updated_at,
    }),
  );

const ticketEnvelope = z.object({ ticket: ticketSchema });
const pageSchema = z.object({
  meta: z.object({ has_more: z.boolean().optional() }).nullish(),
  links: z.object({ next: z.string().nullish() }).nullish(),
  next_page: z.string().nullish(),
});
type PageMeta = z.output<typeof pageSchema>;
const tagsEnvelope = z.object({ tags: z.array(z.string()) });

const auditSchema = z.object({
  id: zid,
  created_at: nullableString,
  metadata: z
    .object({ custom: z.record(z.string(), z.unknown()).nullish() })
    .nullish()
    .catch(null),
  events: z
    .array(
      z.object({
        id: nullableId,
        type: z.string(),
        field_name: z.string().nullish(),
        value: z.unknown().optional(),
      }),
    )
    .nullish()
    .transform((v) => v ?? []),
});

const updateEnvelope = z.object({ ticket: ticketSchema.optional(), audit: auditSchema.nullish() });

const commentSchema = z
  .object({
    id: zid,
    audit_id: nullableId,
    author_id: nullableId,
    body: z.string().nullish(),
    html_body: nullableString,
    plain_body: nullableString,
    public: z.boolean().nullish(),
    created_at: nullableString,
  })
  .transform(
    (c): ZendeskComment => ({
      id: c.id,
      auditId: c.audit_id,
      authorId: c.author_id,
      body: c.body ?? '',
      htmlBody: c.html_body,
      plainBody: c.plain_body,
      public: c.public ?? true,
      createdAt: c.created_at,
    }),
  );

const groupSchema = z
  .object({ id: zid, name: z.string(), deleted: z.boolean().nullish() })
  .transform((g): ZendeskGroup => ({ id: g.id, name: g.name, deleted: g.deleted ?? false }));
