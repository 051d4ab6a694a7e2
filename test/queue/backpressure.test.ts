import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { createApiKey } from '../../src/auth/api-keys.js';
import { enqueueOutbox } from '../../src/db/queries/outbox.js';
import { startWorkers, type WorkerPool } from '../../src/queue/workers.js';
import { createTestDeps, type TestDeps } from '../support/deps.js';
import { countRows } from '../support/rows.js';
import { signedZendeskRequest, zendeskTicketCreated } from '../support/zendesk.js';

/*
 * Overload, against real Postgres and Redis: drafting pauses first (triage backlog), and only
 * past the configured outbox depth does the generic webhook answer 429 — Zendesk still accepted.
 */

let deps: TestDeps;
let app: ReturnType<typeof createApp>;
let key: string;
let workers: WorkerPool;

beforeAll(async () => {
  deps = await createTestDeps({
    INTAKE_MAX_OUTBOX_DEPTH: '5',
    DRAFT_PAUSE_BACKLOG: '3',
    DRAFT_PAUSE_LAG_MS: '0',
  });
  app = createApp(deps);
  key = (await createApiKey(deps.db, { name: 'helpdesk', role: 'integration' })).key;
  workers = startWorkers(deps, { only: ['draft'] });
});
afterAll(async () => {
  await workers.close();
  await deps.cleanup();
});

const postGeneric = (eventId: string) =>
  app.request('/webhooks/tickets', {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({
      eventId,
      ticket: { externalId: `BP-${eventId}`, subject: 'Where is my order?' },
      requester: { email: 'mo@example.org' },
      message: { body: 'Ordered on Monday, nothing arrived yet.' },
    }),
  });

const metricsText = async () => (await app.request('/metrics')).text();

describe('back-pressure', () => {
  it('pauses drafting while triage is behind, and resumes below half the backlog', async () => {
    const draftWorker = workers.workers.find((w) => w.name === 'draft')!;
    const flips: boolean[] = [];
    deps.backpressure.onDraftPausedChange((paused) => flips.push(paused));
    // Nothing runs triage here, so these four jobs wait.
    const jobs = await Promise.all(
      Array.from({ length: 4 }, () =>
        deps.queues.triage.add('triage', { ticketId: randomUUID() }, { jobId: randomUUID() }),
      ),
    );
    await deps.backpressure.sample();
    expect(deps.backpressure.draftPaused()).toBe(true);
    expect(draftWorker.isPaused()).toBe(true);
    expect(await metricsText()).toMatch(/deskpilot_backpressure_active\{signal="draft_paused"\} 1/);

    // Two waiting is below the threshold but above half of it: still paused (no flapping).
    await Promise.all(jobs.slice(0, 2).map((j) => j.remove()));
    await deps.backpressure.sample();
    expect(deps.backpressure.draftPaused()).toBe(true);

    await Promise.all(jobs.slice(2).map((j) => j.remove()));
    await deps.backpressure.sample();
    expect(deps.backpressure.draftPaused()).toBe(false);
    expect(draftWorker.isPaused()).toBe(false);
    expect(flips).toEqual([true, false]);
  });

  it('sheds generic-webhook intake only past the outbox depth, with 429 + Retry-After, writing nothing', async () => {
    expect((await postGeneric('before')).status).toBe(202);
    // Redis "down": outbox rows pile up, nothing relays them.
    for (let i = 0; i < 6; i++) await enqueueOutbox(deps.db, 'retrain', { reason: 'manual' });
    await deps.backpressure.sample();
    expect(deps.backpressure.intakeShedding()).toBe(true);

    const before = await countRows(deps.db);
    const refused = await postGeneric('during');
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('5');
    const body = (await refused.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('rate_limited');
    expect(body.error.message).toContain('INTAKE_MAX_OUTBOX_DEPTH');
    expect(await countRows(deps.db)).toEqual(before);

    // Helpdesks that deactivate failing endpoints are never refused this way.
    const zendesk = await app.request(
      '/webhooks/zendesk',
      signedZendeskRequest(zendeskTicketCreated('930001')),
    );
    expect(zendesk.status).toBe(202);
    const metrics = await metricsText();
    expect(metrics).toMatch(/deskpilot_backpressure_active\{signal="intake_shedding"\} 1/);
    expect(metrics).toMatch(/deskpilot_intake_shed_total 1/);

    // The relay catches up: intake is accepted again.
    await deps.db.execute(sql`update outbox set state = 'sent' where state = 'pending'`);
    await deps.backpressure.sample();
    expect(deps.backpressure.intakeShedding()).toBe(false);
    expect((await postGeneric('after')).status).toBe(202);
  });
});
