import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { getDelivery, getDeliveryForDraft } from '../../src/db/queries/drafts.js';
import type { Delivery } from '../../src/db/schema/drafts.js';
import { ZendeskRateLimitError } from '../../src/integrations/zendesk/errors.js';
import { draftReply } from '../../src/pipeline/draft/draft.js';
import { approveDraft } from '../../src/pipeline/review/actions.js';
import { triageTicket } from '../../src/pipeline/triage/triage.js';
import { RATE_LIMIT_MAX_JOB_AGE_MS, rateLimitDelayMs } from '../../src/queue/retry-after.js';
import { startWorkers, type WorkerPool } from '../../src/queue/workers.js';
import { createTestDeps, type TestDeps } from '../support/deps.js';
import { agentActor } from '../support/drafts.js';
import { FakeZendesk } from '../support/fake-zendesk.js';
import { importSampleKb } from '../support/fixtures.js';
import { waitFor } from '../support/redis-server.js';
import { signedZendeskRequest, zendeskTicketCreated } from '../support/zendesk.js';

const rateLimited = (retryAfterMs: number | null) =>
  new ZendeskRateLimitError(
    {
      status: 429,
      code: null,
      description: null,
      body: null,
      zendeskRequestId: null,
      retryAfterMs,
    },
    { method: 'PUT', path: '/api/v2/tickets/1.json', attempts: 1 },
  );

describe('rateLimitDelayMs', () => {
  const now = Date.parse('2026-12-01T00:00:00Z');
  const job = { timestamp: now - 1000 };

  it('delays by Retry-After (plus at most 1 s of spread), also when wrapped as a cause', () => {
    expect(rateLimitDelayMs(rateLimited(93_000), job, now, () => 0)).toBe(93_000);
    expect(rateLimitDelayMs(rateLimited(93_000), job, now, () => 1)).toBe(94_000);
    const wrapped = new Error('delivery failed', { cause: rateLimited(5_000) });
    expect(rateLimitDelayMs(wrapped, job, now, () => 0)).toBe(5_000);
  });

  it('is not a rate limit: other errors, no Retry-After, or a job waiting for over a day', () => {
    expect(rateLimitDelayMs(new Error('boom'), job, now)).toBeNull();
    expect(rateLimitDelayMs(rateLimited(null), job, now)).toBeNull();
    const old = { timestamp: now - RATE_LIMIT_MAX_JOB_AGE_MS - 1 };
    expect(rateLimitDelayMs(rateLimited(93_000), old, now)).toBeNull();
  });
});

describe('a write-back job answered 429 with Retry-After: 93', () => {
  let zendesk: FakeZendesk;
  let deps: TestDeps;
  let workers: WorkerPool;

  beforeAll(async () => {
    zendesk = await FakeZendesk.start();
    zendesk.seedGroup({ name: 'billing' });
    deps = await createTestDeps({
      ...zendesk.config(),
    });
    workers = startWorkers(deps, { only: ['zendesk-writeback'] });
  });
  afterAll(async () => {
    await workers.close();
    await deps.cleanup();
    await zendesk.close();
  });

  it('waits 93 s in the delayed set without using an attempt, and sends nothing meanwhile', async () => {
    zendesk.seedTicket({ id: '810001', priority: 'low' });
    const res = await createApp(deps).request(
      '/webhooks/zendesk',
      signedZendeskRequest(zendeskTicketCreated('810001', { subject: 'Charged twice' })),
    );
    const { ticketId } = (await res.json()) as { ticketId: string };
    await triageTicket(deps, { ticketId });

    zendesk.clearRequests();
    zendesk.failNext(1, { status: 429, retryAfter: 93 });
    const queue = deps.queues['zendesk-writeback'];
    const added = await queue.add('zendesk-writeback', { ticketId }, { jobId: `rl-${ticketId}` });
    const before = Date.now();

    const job = await waitFor(
      async () => {
        const current = await queue.getJob(added.id!);
        return current && (await current.getState()) === 'delayed' ? current : null;
      },
      { what: 'job delayed by Retry-After', timeoutMs: 15_000 },
    );
    expect(job.attemptsMade).toBe(0);
    const score = Number(
      await deps.redis.zscore(`${deps.config.QUEUE_PREFIX}:zendesk-writeback:delayed`, job.id!),
    );
    // BullMQ keeps the due time in the score's upper bits (timestamp · 4096 + a counter).
    const dueAt = Math.floor(score / 0x1000);
    expect(dueAt - before).toBeGreaterThanOrEqual(92_000);
    expect(dueAt - before).toBeLessThanOrEqual(96_000);
    // The refused call was the only one: nothing retried it seconds later.
    await new Promise((r) => setTimeout(r, 1_500));
    expect(zendesk.requests.map((r) => r.status)).toEqual([429]);
  });
});

/**
 * A Zendesk account with a deliver worker, one per describe: a Retry-After holds every later call
 * to the account in that process, so two tests cannot share one.
 */
function zendeskDeliveries() {
  const ctx = {} as {
    zendesk: FakeZendesk;
    deps: TestDeps;
    approvedDelivery: (id: string) => Promise<Delivery>;
  };
  let workers: WorkerPool;

  beforeAll(async () => {
    const zendesk = await FakeZendesk.start();
    const deps = await createTestDeps({
      ...zendesk.config(),
      ZENDESK_WRITEBACK: 'false',
    });
    await importSampleKb(deps);
    workers = startWorkers(deps, { only: ['deliver'] });
    Object.assign(ctx, {
      zendesk,
      deps,
      approvedDelivery: (id: string) => approvedDelivery(zendesk, deps, id),
    });
  });
  afterAll(async () => {
    await workers.close();
    await ctx.deps.cleanup();
    await ctx.zendesk.close();
  });
  return ctx;
}

/** A Zendesk ticket's drafted reply, approved: its delivery waits for the test's own job. */
async function approvedDelivery(zendesk: FakeZendesk, deps: TestDeps, zendeskId: string) {
  zendesk.seedTicket({ id: zendeskId });
  const res = await createApp(deps).request(
    '/webhooks/zendesk',
    signedZendeskRequest(
      zendeskTicketCreated(zendeskId, {
        subject: 'Forgot my password',
        description: 'I cannot log in, I forgot my password. How do I reset it?',
      }),
    ),
  );
  const { ticketId } = (await res.json()) as { ticketId: string };
  await triageTicket(deps, { ticketId });
  const outcome = await draftReply(deps, { ticketId });
  if (outcome.status !== 'drafted') throw new Error(`not drafted: ${outcome.reason}`);
  const approved = await approveDraft(deps, {
    draftId: outcome.draft.id,
    actor: agentActor('agent-1'),
  });
  expect(approved.ok).toBe(true);
  zendesk.clearRequests();
  return (await getDeliveryForDraft(deps.db, outcome.draft.id))!;
}

describe('a reply delivered to Zendesk answered 429 with Retry-After: 93', () => {
  const ctx = zendeskDeliveries();

  it('waits 93 s in the delayed set without using an attempt, and posts nothing meanwhile', async () => {
    const { deps, zendesk } = ctx;
    const delivery = await ctx.approvedDelivery('820001');
    zendesk.failNext(1, { status: 429, retryAfter: 93 });
    const queue = deps.queues.deliver;
    const added = await queue.add(
      'deliver',
      { deliveryId: delivery.id },
      { jobId: `rl-${delivery.id}`, attempts: 8 },
    );
    const before = Date.now();
    const job = await waitFor(
      async () => {
        const current = await queue.getJob(added.id!);
        return current && (await current.getState()) === 'delayed' ? current : null;
      },
      { what: 'delivery job delayed by Retry-After', timeoutMs: 15_000 },
    );
    expect(job.attemptsMade).toBe(0);
    const score = Number(
      await deps.redis.zscore(`${deps.config.QUEUE_PREFIX}:deliver:delayed`, job.id!),
    );
    const dueAt = Math.floor(score / 0x1000);
    expect(dueAt - before).toBeGreaterThanOrEqual(92_000);
    expect(dueAt - before).toBeLessThanOrEqual(96_000);
    // Not failed: the delivery waits as claimed, and its retry looks for our comment first.
    expect((await getDelivery(deps.db, delivery.id))?.state).toBe('sending');
    await new Promise((r) => setTimeout(r, 1_500));
    expect(zendesk.requests.map((r) => r.status)).toEqual([429]);
    expect(zendesk.ticket('820001').comments).toHaveLength(1);
  });
});

describe('a reply delivered to Zendesk on its last attempt, answered 429 with Retry-After', () => {
  const ctx = zendeskDeliveries();

  it('waits for the Retry-After instead of failing, then posts', async () => {
    const { deps, zendesk } = ctx;
    const delivery = await ctx.approvedDelivery('830001');
    // A 429 the client stops waiting out itself (its retry budget for one call is 3), so the job
    // gets the ZendeskRateLimitError with Retry-After: 1.
    zendesk.failNext(4, { status: 429, retryAfter: 1 }, { method: 'PUT' });
    // One attempt in all: the run below is the last one (as after 7 real failures of 8).
    const queue = deps.queues.deliver;
    const added = await queue.add(
      'deliver',
      { deliveryId: delivery.id },
      { jobId: `rl-last-${delivery.id}`, attempts: 1 },
    );
    const sent = await waitFor(
      async () => {
        const row = await getDelivery(deps.db, delivery.id);
        return row && row.state !== 'sending' && row.state !== 'pending' ? row : null;
      },
      { what: 'delivery decided after the Retry-After', timeoutMs: 20_000 },
    );
    expect(sent.state).toBe('sent');
    expect(zendesk.requests.filter((r) => r.method === 'PUT').map((r) => r.status)).toEqual([
      429, 429, 429, 429, 200,
    ]);
    expect(zendesk.ticket('830001').comments).toHaveLength(2);
    // The job ends completed, not failed: the wait used no attempt.
    await waitFor(async () => (await (await queue.getJob(added.id!))?.getState()) === 'completed', {
      what: 'delivery job completed',
      timeoutMs: 10_000,
    });
  });
});
