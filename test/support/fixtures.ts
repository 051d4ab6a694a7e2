import path from 'node:path';
import { sql } from 'drizzle-orm';
import type { Browser } from 'playwright-core';
import { afterAll, expect } from 'vitest';
import { createApp } from '../../src/app.js';
import { kbImport } from '../../src/cli/commands/kb-import.js';
import { rowsOf } from '../../src/db/rows.js';
import { triageTicket } from '../../src/pipeline/triage/triage.js';
import { startOutboxRelay } from '../../src/queue/outbox-relay.js';
import { processDeliver } from '../../src/queue/processors/deliver.js';
import { processDraft } from '../../src/queue/processors/draft.js';
import { startWorkers } from '../../src/queue/workers.js';
import { launchBrowser, serveApp } from './browser.js';
import { createTestDeps, type TestDeps } from './deps.js';
import { FakeZendesk } from './fake-zendesk.js';
import { TestSmtpServer } from './smtp-server.js';
import { seedEmailTicket } from './tickets.js';

/**
 * The shared test set-ups (#13): the scenes several test files build the same way — the sample
 * knowledge base imported, a ticket carried through triage to a pending draft, the outbox's
 * deliveries run as a worker would, and the real app served to a real browser. The pieces they
 * are made of (`seedEmailTicket`, `createTestDeps`, `serveApp`…) stay in their own modules.
 */

/**
 * The test file's own TestDeps (a fresh database and queue prefix), made while the file loads —
 * `const deps = await fileTestDeps();` at its top — and cleaned up after its last test.
 */
export async function fileTestDeps(overrides: Record<string, string> = {}): Promise<TestDeps> {
  const deps = await createTestDeps(overrides);
  afterAll(() => deps.cleanup());
  return deps;
}

type TestApp = ReturnType<typeof createApp>;

/** `fileTestDeps` and the real app over them (same factory as production), driven in-process. */
export async function fileTestApp(
  overrides: Record<string, string> = {},
): Promise<{ deps: TestDeps; app: TestApp }> {
  const deps = await fileTestDeps(overrides);
  return { deps, app: createApp(deps) };
}

/**
 * `fileTestApp` with an SMTP sink the app's mail goes to (`SMTP_URL`, unpooled: each message is
 * sent at once), and the sample knowledge base when asked; the sink closes after the database.
 */
export async function fileTestMailApp(
  overrides: Record<string, string> = {},
  opts: { sampleKb?: boolean } = {},
): Promise<{ deps: TestDeps; app: TestApp; smtp: TestSmtpServer }> {
  const smtp = await TestSmtpServer.start();
  afterAll(() => smtp.close());
  const { deps, app } = await fileTestApp({ SMTP_URL: `${smtp.url()}?pool=false`, ...overrides });
  if (opts.sampleKb) await importSampleKb(deps);
  return { deps, app, smtp };
}

/**
 * `fileTestApp` connected to a fake Zendesk (its API URL and credentials in the config), and the
 * sample knowledge base when asked; the fake closes after the database.
 */
export async function fileTestZendeskApp(
  overrides: Record<string, string> = {},
  opts: { sampleKb?: boolean } = {},
): Promise<{ deps: TestDeps; app: TestApp; zendesk: FakeZendesk }> {
  const zendesk = await FakeZendesk.start();
  afterAll(() => zendesk.close());
  const { deps, app } = await fileTestApp({ ...zendesk.config(), ...overrides });
  if (opts.sampleKb) await importSampleKb(deps);
  return { deps, app, zendesk };
}

/**
 * The outbox relay (woken by every commit, and polling every 50 ms) and all the workers, as the
 * worker process runs them, for the rest of the test file; stopped after its last test, before
 * the deps close.
 */
export function fileWorkers(deps: TestDeps): void {
  const relay = startOutboxRelay(deps.db, deps.queues, { pollMs: 50, log: deps.log });
  deps.notifyOutbox = () => relay.kick();
  const workers = startWorkers(deps);
  afterAll(async () => {
    await workers.close();
    await relay.stop();
  });
}

/** A request as an API client sends it: its bearer key, a JSON body when given, extra headers. */
export async function apiRequest(
  app: TestApp,
  key: string,
  method: string,
  url: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Response> {
  return app.request(url, {
    method,
    headers: {
      authorization: `Bearer ${key}`,
      ...(body ? { 'content-type': 'application/json' } : {}),
      ...headers,
    },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
}

/** The knowledge base shipped in `samples/kb` (the demo's and most drafting tests'). */
export const SAMPLE_KB = path.resolve(import.meta.dirname, '../../samples/kb');

export async function importSampleKb(deps: Pick<TestDeps, 'db'>): Promise<void> {
  await kbImport(deps.db, SAMPLE_KB);
}

/** A question the sample knowledge base answers (its draft is a grounded reply). */
export const PASSWORD_QUESTION = {
  subject: 'Forgot my password',
  body: 'I cannot log in, how do I reset my password?',
} as const;

/**
 * An email ticket triaged and drafted by the real pipeline steps (no queue): its pending draft is
 * what an agent reviews. Fails the test when drafting does not produce a draft.
 */
export async function seedDraftedTicket(
  deps: TestDeps,
  ticket: Parameters<typeof seedEmailTicket>[1] = {},
): Promise<{ ticketId: string; draftId: string }> {
  const { ticketId } = await seedEmailTicket(deps.db, ticket);
  await triageTicket(deps, { ticketId });
  const result = await processDraft(deps, { ticketId }, {} as never);
  expect(result).toMatchObject({ status: 'drafted' });
  return { ticketId, draftId: (result as { draftId: string }).draftId };
}

/** What a worker does with the outbox: every pending `deliver` row, processed once. */
export async function runPendingDeliveries(deps: TestDeps): Promise<number> {
  const rows = rowsOf<{ payload: { deliveryId: string } }>(
    await deps.db.execute(sql`update outbox set state = 'sent'
      where job_name = 'deliver' and state = 'pending' returning payload`),
  );
  for (const row of rows) {
    await processDeliver(deps, { deliveryId: row.payload.deliveryId }, {
      attemptsMade: 0,
      opts: {},
      updateData: async () => {},
    } as never);
  }
  return rows.length;
}

export interface BrowserStack {
  deps: TestDeps;
  /** The SMTP sink outbound mail goes to, when asked for. */
  smtp: TestSmtpServer | undefined;
  server: { url: string; close(): Promise<void> };
  browser: Browser;
  /** Closes the browser, the server, the database and the SMTP sink, in that order. */
  close(): Promise<void>;
}

/**
 * The real app (same factory as production) on a local port with its own database and Redis
 * prefix, and Debian's Chromium to drive it; optionally an SMTP sink as `SMTP_URL` and the sample
 * knowledge base. Tests seed their data after it starts: the app reads everything per request.
 */
export async function startBrowserStack(
  opts: { smtp?: boolean; sampleKb?: boolean; config?: Record<string, string> } = {},
): Promise<BrowserStack> {
  const smtp = opts.smtp ? await TestSmtpServer.start() : undefined;
  const deps = await createTestDeps({
    ...(smtp ? { SMTP_URL: `${smtp.url()}?pool=false` } : {}),
    ...opts.config,
  });
  if (opts.sampleKb) await importSampleKb(deps);
  const server = await serveApp(deps);
  const browser = await launchBrowser();
  return {
    deps,
    smtp,
    server,
    browser,
    async close() {
      await browser.close();
      await server.close();
      await deps.cleanup();
      await smtp?.close();
    },
  };
}
