import path from 'node:path';
import { pino } from 'pino';
import { createApiKey } from '../../../src/auth/api-keys.js';
import { kbImport } from '../../../src/cli/commands/kb-import.js';
import { createDatabase, type Database } from '../../../src/db/client.js';
import { ensureStarterData } from '../../../src/db/queries/triage.js';
import { type Runtime, startRuntime } from '../../../src/runtime.js';
import { createTestDatabase, type TestDatabase } from '../../support/db.js';
import { testConfig, ZENDESK_SECRET } from '../../support/deps.js';
import { FakeZendesk } from '../../support/fake-zendesk.js';
import { TestSmtpServer } from '../../support/smtp-server.js';
import { type PipelineReport, pipelineReport, settle } from './invariants.js';
import { type TrafficSecrets, type WebhookRequest, webhook } from './traffic.js';

export const TEAM_ADDRESS = 'team@deskpilot.test';
const samples = path.resolve(import.meta.dirname, '../../../samples/kb');

export interface PipelineOptions {
  redisUrl: string;
  /** Extra configuration (DRAFT_LLM, OUTBOX_POLL_MS, …). */
  env?: Record<string, string>;
  roles?: { api: boolean; worker: boolean };
  /** The app connects through this URL instead of the test database's own (e.g. via a proxy). */
  databaseUrl?: (directUrl: string) => string;
}

export interface WebhookOutcome {
  status: number;
  ticketId?: string;
}

/**
 * The real service in this process — HTTP server on a port, outbox relay, every BullMQ worker —
 * over a fresh Postgres database, the given Redis, a real SMTP sink and a fake Zendesk that takes
 * replies to Zendesk tickets. The test plays customer (webhooks) and agent (the drafts API).
 */
export class FaultPipeline {
  readonly accepted = new Set<string>();

  private constructor(
    readonly runtime: Runtime,
    readonly testDb: TestDatabase,
    readonly smtp: TestSmtpServer,
    readonly zendesk: FakeZendesk,
    readonly secrets: TrafficSecrets,
    readonly agentKey: string,
    readonly runId: string,
  ) {}

  static async start(options: PipelineOptions): Promise<FaultPipeline> {
    const smtp = await TestSmtpServer.start();
    const zendesk = await FakeZendesk.start();
    const testDb = await createTestDatabase();
    if (!testDb.url) throw new Error('fault tests need TEST_DATABASE_URL (real Postgres)');
    await ensureStarterData(testDb.db);
    await kbImport(testDb.db, samples);
    const agentKey = (await createApiKey(testDb.db, { name: 'agent', role: 'agent' })).key;
    const integrationKey = (await createApiKey(testDb.db, { name: 'hook', role: 'integration' }))
      .key;
    const config = testConfig({
      REDIS_URL: options.redisUrl,
      HOST: '127.0.0.1',
      PORT: '0',
      SMTP_URL: smtp.url(),
      SLA_NOTIFY: TEAM_ADDRESS,
      ZENDESK_API_URL: zendesk.url,
      ZENDESK_EMAIL: zendesk.email,
      ZENDESK_API_TOKEN: zendesk.token,
      ZENDESK_WRITEBACK: 'false',
      MAX_REPLIES_PER_RECIPIENT_PER_DAY: '1000',
      ...options.env,
    });
    const database: Database = options.databaseUrl
      ? await createDatabase({ url: options.databaseUrl(testDb.url), poolMax: 10 })
      : // The runtime closes its database on stop; the test database is dropped afterwards.
        { ...testDb, close: async () => {} };
    const runtime = await startRuntime(config, options.roles ?? { api: true, worker: true }, {
      database,
      log: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }, pino.destination(2)),
    });
    return new FaultPipeline(
      runtime,
      testDb,
      smtp,
      zendesk,
      { zendeskSecret: ZENDESK_SECRET, inboundBasicAuth: 'inbound:s3cret-pass', integrationKey },
      agentKey,
      Math.random().toString(36).slice(2, 8),
    );
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${this.runtime.port}`;
  }

  get queuePrefix(): string {
    return this.runtime.deps.config.QUEUE_PREFIX;
  }

  /** The i-th webhook of the mixed stream (the same i again is the sender retrying it). */
  request(i: number): WebhookRequest {
    const request = webhook(i, this.runId, this.secrets);
    if (request.zendeskTicketId && !this.zendesk.tickets.has(request.zendeskTicketId)) {
      this.zendesk.seedTicket({ id: request.zendeskTicketId });
    }
    return request;
  }

  /** Posts webhook i; 202/200 answers are remembered as accepted tickets. */
  async post(i: number): Promise<WebhookOutcome> {
    const request = this.request(i);
    try {
      const res = await fetch(`${this.baseUrl}${request.path}`, request.init);
      const body = (await res.json().catch(() => ({}))) as { ticketId?: string };
      if ((res.status === 202 || res.status === 200) && body.ticketId) {
        this.accepted.add(body.ticketId);
      }
      return { status: res.status, ticketId: body.ticketId };
    } catch {
      return { status: 0 };
    }
  }

  /** The agent: approves every pending draft through the API. Returns how many were approved. */
  async approvePending(): Promise<number> {
    let approved = 0;
    for (;;) {
      const res = await this.api('GET', '/api/drafts?limit=100');
      if (res.status !== 200) return approved;
      const { drafts } = (await res.json()) as { drafts: { id: string; lockVersion: number }[] };
      if (drafts.length === 0) return approved;
      for (const draft of drafts) {
        const answer = await this.api('POST', `/api/drafts/${draft.id}/approve`, {
          lockVersion: draft.lockVersion,
        });
        if (answer.status === 200) approved++;
      }
    }
  }

  api(method: string, url: string, body?: unknown): Promise<Response> {
    return fetch(`${this.baseUrl}${url}`, {
      method,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${this.agentKey}` },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  }

  settle(timeoutMs = 60_000): Promise<void> {
    return settle(
      { db: this.testDb.db, queues: this.runtime.deps.queues, redis: this.runtime.deps.redis },
      { timeoutMs },
    );
  }

  async report(): Promise<PipelineReport & { zendeskReplies: number; zendeskDuplicated: number }> {
    const report = await pipelineReport({
      db: this.testDb.db,
      queues: this.runtime.deps.queues,
      redis: this.runtime.deps.redis,
      emails: this.smtp.received,
      acceptedTicketIds: this.accepted,
      teamAddresses: [TEAM_ADDRESS],
    });
    return { ...report, ...zendeskReplies(this.zendesk) };
  }

  async stop(): Promise<void> {
    await this.runtime.stop().catch(() => {});
    await this.testDb.destroy();
    await this.smtp.close();
    await this.zendesk.close();
  }
}

/** Comments Deskpilot posted to the fake Zendesk (anything not written by the requester). */
export function zendeskReplies(zendesk: FakeZendesk) {
  let zendeskReplies = 0;
  let zendeskDuplicated = 0;
  for (const ticket of zendesk.tickets.values()) {
    const replies = ticket.comments.filter((c) => c.authorId !== ticket.requesterId).length;
    zendeskReplies += replies;
    if (replies > 1) zendeskDuplicated++;
  }
  return { zendeskReplies, zendeskDuplicated };
}

export { webhook };
