import { randomBytes } from 'node:crypto';
import type { Queue } from 'bullmq';
import { pino } from 'pino';
import { createApiKey } from '../../../src/auth/api-keys.js';
import { kbImport } from '../../../src/cli/commands/kb-import.js';
import type { Database } from '../../../src/db/client.js';
import { closeQueues, createQueues, type Queues } from '../../../src/jobs/queues.js';
import { createProducerConnection, type RedisConnection } from '../../../src/jobs/redis.js';
import { seedStarterData } from '../../../src/pipeline/triage/starter-taxonomy.js';
import { type Runtime, startRuntime } from '../../../src/runtime.js';
import { createTestDatabase, type TestDatabase } from '../../support/db.js';
import { testConfig, ZENDESK_SECRET } from '../../support/deps.js';
import { FakeZendesk } from '../../support/fake-zendesk.js';
import { SAMPLE_KB } from '../../support/fixtures.js';
import { freePort } from '../../support/redis-server.js';
import { TestSmtpServer } from '../../support/smtp-server.js';
import { type PipelineReport, pipelineReport, settle, zendeskReplies } from './invariants.js';
import { type ServiceProcess, type ServiceRole, startService } from './service.js';
import { expireLocksOfDeadWorkers } from './stalls.js';
import { type TrafficSecrets, type WebhookRequest, webhook } from './traffic.js';

export const TEAM_ADDRESS = 'team@deskpilot.test';
const INBOUND_BASIC_AUTH = 'inbound:s3cret-pass';
const samples = SAMPLE_KB;

export interface WebhookOutcome {
  status: number;
  ticketId?: string;
}

/** Everything around the service: database, SMTP sink, fake Zendesk, keys, the traffic. */
interface World {
  testDb: TestDatabase & { url: string };
  smtp: TestSmtpServer;
  zendesk: FakeZendesk;
  secrets: TrafficSecrets;
  agentKey: string;
  managerKey: string;
  runId: string;
  queuePrefix: string;
}

/** `database`: a migrated database to use (closed at the end) instead of a clone of the template. */
async function createWorld(database?: Database & { url: string }): Promise<World> {
  const smtp = await TestSmtpServer.start();
  const zendesk = await FakeZendesk.start();
  const testDb: TestDatabase = database
    ? { ...database, destroy: () => database.close() }
    : await createTestDatabase();
  if (!testDb.url) throw new Error('fault tests need TEST_DATABASE_URL (real Postgres)');
  await seedStarterData(testDb.db);
  await kbImport(testDb.db, samples);
  const agentKey = (await createApiKey(testDb.db, { name: 'agent', role: 'agent' })).key;
  const managerKey = (await createApiKey(testDb.db, { name: 'manager', role: 'manager' })).key;
  const integrationKey = (await createApiKey(testDb.db, { name: 'hook', role: 'integration' })).key;
  return {
    testDb: testDb as World['testDb'],
    smtp,
    zendesk,
    secrets: {
      zendeskSecret: ZENDESK_SECRET,
      inboundBasicAuth: INBOUND_BASIC_AUTH,
      integrationKey,
    },
    agentKey,
    managerKey,
    runId: randomBytes(3).toString('hex'),
    queuePrefix: `dpt-fault-${randomBytes(4).toString('hex')}`,
  };
}

/** Configuration shared by the in-process runtime and the child processes. */
function serviceEnv(world: World, redisUrl: string): Record<string, string> {
  return {
    REDIS_URL: redisUrl,
    QUEUE_PREFIX: world.queuePrefix,
    HOST: '127.0.0.1',
    SMTP_URL: world.smtp.url(),
    SUPPORT_ADDRESS: 'support@deskpilot.test',
    SLA_NOTIFY: TEAM_ADDRESS,
    ZENDESK_WEBHOOK_SECRETS: ZENDESK_SECRET,
    ZENDESK_API_URL: world.zendesk.url,
    ZENDESK_EMAIL: world.zendesk.email,
    ZENDESK_API_TOKEN: world.zendesk.token,
    ZENDESK_WRITEBACK: 'false',
    INBOUND_BASIC_AUTH,
    MAX_REPLIES_PER_RECIPIENT_PER_DAY: '1000',
    OUTBOX_POLL_MS: '100',
    // The undo window is tested on its own (test/pipeline/review/undo.test.ts); here an approved
    // reply goes out at once so crashes can be aimed at the send.
    SEND_DELAY_SECONDS: '0',
  };
}

/**
 * The test's side of a run: it plays the customers (webhooks) and the agent (the drafts API) and
 * reads the outcome from Postgres, Redis, the SMTP sink and the fake Zendesk.
 */
abstract class Harness {
  readonly accepted = new Set<string>();
  /**
   * Drafts the agent approved that a later listing still showed as pending: a read that missed
   * the agent's own write (with a read replica, the list must then come from the primary).
   */
  staleListings = 0;
  private readonly approved = new Set<string>();
  /** The primary's position after the agent's last write, echoed as API clients do. */
  private lastWriteLsn: string | null = null;

  protected constructor(protected readonly world: World) {}

  abstract get baseUrl(): string;
  protected abstract get queues(): Record<string, Queue>;
  protected abstract get redis(): RedisConnection;

  get testDb() {
    return this.world.testDb;
  }
  get smtp() {
    return this.world.smtp;
  }
  get zendesk() {
    return this.world.zendesk;
  }
  get queuePrefix() {
    return this.world.queuePrefix;
  }

  /** The i-th webhook of the mixed stream (the same i again is the sender retrying it). */
  request(i: number): WebhookRequest {
    const request = webhook(i, this.world.runId, this.world.secrets);
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
      const res = await this.api('GET', '/api/drafts?limit=100').catch(() => null);
      if (res?.status !== 200) return approved;
      const { drafts } = (await res.json()) as { drafts: { id: string; lockVersion: number }[] };
      this.staleListings += drafts.filter((d) => this.approved.has(d.id)).length;
      if (drafts.length === 0) return approved;
      let progress = 0;
      for (const draft of drafts) {
        if (this.approved.has(draft.id)) continue;
        const answer = await this.api('POST', `/api/drafts/${draft.id}/approve`, {
          lockVersion: draft.lockVersion,
        }).catch(() => null);
        if (answer?.status === 200) {
          progress++;
          this.approved.add(draft.id);
        }
      }
      approved += progress;
      if (progress === 0) return approved;
    }
  }

  /**
   * A call to the API as the agent (or the manager), echoing the position its writes answer with
   * (X-Deskpilot-Lsn) so its reads see its own writes when a read replica serves lists.
   */
  async api(
    method: string,
    url: string,
    body?: unknown,
    as: 'agent' | 'manager' = 'agent',
  ): Promise<Response> {
    const res = await fetch(`${this.baseUrl}${url}`, {
      method,
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${as === 'agent' ? this.world.agentKey : this.world.managerKey}`,
        ...(this.lastWriteLsn ? { 'x-deskpilot-lsn': this.lastWriteLsn } : {}),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    this.lastWriteLsn = res.headers.get('x-deskpilot-lsn') ?? this.lastWriteLsn;
    return res;
  }

  settle(timeoutMs = 60_000): Promise<void> {
    return settle({ db: this.testDb.db, queues: this.queues, redis: this.redis }, { timeoutMs });
  }

  async report(): Promise<PipelineReport & { zendeskReplies: number; zendeskDuplicated: number }> {
    const report = await pipelineReport({
      db: this.testDb.db,
      queues: this.queues,
      redis: this.redis,
      emails: this.smtp.received,
      acceptedTicketIds: this.accepted,
      teamAddresses: [TEAM_ADDRESS],
    });
    return { ...report, ...zendeskReplies(this.zendesk) };
  }

  /** Approves drafts until `done(report)` holds (the agent keeps working through faults). */
  async approveUntil(
    done: (report: PipelineReport) => boolean,
    timeoutMs = 60_000,
  ): Promise<PipelineReport> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      await this.approvePending();
      const report = await this.report().catch(() => null);
      if (report && done(report)) return report;
      if (Date.now() > deadline) {
        throw new Error(`pipeline did not get there: ${JSON.stringify(report)}`);
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  protected async closeWorld(): Promise<void> {
    await this.testDb.destroy();
    await this.smtp.close();
    await this.zendesk.close();
  }
}

export interface PipelineOptions {
  redisUrl: string;
  /** Extra configuration (DRAFT_LLM, OUTBOX_POLL_MS, …). */
  env?: Record<string, string>;
  roles?: { api: boolean; worker: boolean };
}

/**
 * The real service in this process — HTTP server on a port, outbox relay, every BullMQ worker —
 * over a fresh Postgres database, the given Redis, a real SMTP sink and a fake Zendesk that takes
 * replies to Zendesk tickets.
 */
export class FaultPipeline extends Harness {
  private constructor(
    world: World,
    readonly runtime: Runtime,
  ) {
    super(world);
  }

  static async start(options: PipelineOptions): Promise<FaultPipeline> {
    const world = await createWorld();
    const config = testConfig({
      ...serviceEnv(world, options.redisUrl),
      PORT: '0',
      ...options.env,
    });
    // The runtime closes its database on stop; the test database is dropped afterwards.
    const database: Database = { ...world.testDb, close: async () => {} };
    const runtime = await startRuntime(config, options.roles ?? { api: true, worker: true }, {
      database,
      log: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }, pino.destination(2)),
    });
    return new FaultPipeline(world, runtime);
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${this.runtime.port}`;
  }
  protected get queues() {
    return this.runtime.deps.queues;
  }
  protected get redis() {
    return this.runtime.deps.redis;
  }

  async stop(): Promise<void> {
    await this.runtime.stop().catch(() => {});
    await this.closeWorld();
  }
}

export interface ProcessPipelineOptions {
  redisUrl: string;
  /** `redisUrl` is a node of a Redis Cluster: REDIS_CLUSTER=true and a hash-tagged prefix. */
  redisCluster?: boolean;
  env?: Record<string, string>;
  /** The processes connect through this URL instead of the test database's own (a proxy). */
  databaseUrl?: (directUrl: string) => string;
  /** A migrated database to run on (e.g. a primary with a replica) instead of a template clone. */
  database?: Database & { url: string };
}

/**
 * The service as real processes (the production entry points), started and killed by the test,
 * around the same world. The test keeps its own Redis connection and queue handles to read jobs.
 */
export class ProcessPipeline extends Harness {
  readonly processes: ServiceProcess[] = [];
  private readonly apiPorts: number[] = [];
  private nextApi = 0;

  private constructor(
    world: World,
    private readonly env: Record<string, string>,
    private readonly queueHandles: Queues,
    private readonly client: RedisConnection,
  ) {
    super(world);
  }

  static async start(options: ProcessPipelineOptions): Promise<ProcessPipeline> {
    const world = await createWorld(options.database);
    if (options.redisCluster) world.queuePrefix = `{${world.queuePrefix}}`;
    const client = createProducerConnection(
      { url: options.redisUrl, cluster: options.redisCluster ?? false },
      { enableOfflineQueue: true },
    );
    client.on('error', () => {});
    const queues = createQueues(client, world.queuePrefix, pino({ level: 'silent' }));
    const env = {
      ...serviceEnv(world, options.redisUrl),
      DATABASE_URL: options.databaseUrl ? options.databaseUrl(world.testDb.url) : world.testDb.url,
      // The database is a clone of the migrated template, seeded above.
      RUN_MIGRATIONS: 'false',
      LOG_LEVEL: 'info',
      ...(options.redisCluster ? { REDIS_CLUSTER: 'true' } : {}),
      ...options.env,
    };
    return new ProcessPipeline(world, env, queues, client);
  }

  /** An api process: with several, each call takes the next (a round-robin load balancer). */
  get baseUrl(): string {
    if (this.apiPorts.length === 0) throw new Error('no api process started');
    const port = this.apiPorts[this.nextApi++ % this.apiPorts.length];
    return `http://127.0.0.1:${port}`;
  }
  protected get queues() {
    return this.queueHandles;
  }
  protected get redis() {
    return this.client;
  }

  /**
   * Starts a process and waits until it says it is serving. An api process takes the first api
   * port (a restarted api comes back on it) unless `separatePort` gives it one of its own.
   */
  async spawn(
    role: ServiceRole,
    env: Record<string, string> = {},
    options: { separatePort?: boolean } = {},
  ): Promise<ServiceProcess> {
    const extra = { ...env };
    if (role !== 'worker') {
      if (this.apiPorts.length === 0 || options.separatePort) this.apiPorts.push(await freePort());
      extra.PORT = String(options.separatePort ? this.apiPorts.at(-1) : this.apiPorts[0]);
    }
    const service = await startService(role, { ...this.env, ...extra });
    this.processes.push(service);
    return service;
  }

  /** See expireLocksOfDeadWorkers: call it when every worker process is dead. */
  expireLocksOfDeadWorkers(): Promise<string[]> {
    return expireLocksOfDeadWorkers(this.client, this.queueHandles);
  }

  queue(name: keyof Queues): Queue {
    return this.queueHandles[name];
  }

  async stop(): Promise<void> {
    await Promise.all(this.processes.map((p) => p.kill('SIGKILL')));
    await closeQueues(this.queueHandles).catch(() => {});
    this.client.disconnect();
    await this.closeWorld();
  }
}
