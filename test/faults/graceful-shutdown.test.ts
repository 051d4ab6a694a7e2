import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getDeliveryForDraft, latestDraftForTicket } from '../../src/db/queries/drafts.js';
import { rowsOf } from '../../src/db/rows.js';
import { faultTestsCanRun } from '../support/db.js';
import { TEST_REDIS_URL } from '../support/deps.js';
import { waitFor } from '../support/redis-server.js';
import { FakeLlmServer } from './support/fake-llm.js';
import { cleanInvariants, invariantsOf } from './support/invariants.js';
import { ProcessPipeline } from './support/pipeline.js';
import type { ServiceProcess } from './support/service.js';

const SLOW_MS = 3_000;

/**
 * SIGTERM to a worker process (src/worker.ts) while a draft is being generated and a reply is
 * being sent: both finish, the process exits 0, and it takes no new work while it drains.
 */
describe.skipIf(!faultTestsCanRun())('graceful shutdown of a worker', () => {
  let llm: FakeLlmServer;
  let pipeline: ProcessPipeline;
  let worker: ServiceProcess;

  beforeAll(async () => {
    llm = await FakeLlmServer.start();
    pipeline = await ProcessPipeline.start({
      redisUrl: TEST_REDIS_URL,
      env: { DRAFT_LLM: llm.url, DRAFT_LLM_MODEL: 'fault-model' },
    });
    [, worker] = await Promise.all([pipeline.spawn('api'), pipeline.spawn('worker')]);
  });
  afterAll(async () => {
    await pipeline?.stop();
    await llm?.close();
  });

  const pendingDraft = (ticketId: string) =>
    waitFor(
      async () => {
        const draft = await latestDraftForTicket(pipeline.testDb.db, ticketId);
        // Not the extractive draft shown while the model writes: the model's.
        return draft?.status === 'pending_approval' && !draft.provisional ? draft : null;
      },
      { what: 'pending draft', timeoutMs: 30_000 },
    );

  it('finishes the running draft and send, exits 0, and leaves new work to the next worker', async () => {
    const first = await pipeline.post(2);
    const firstDraft = await pendingDraft(first.ticketId!);

    // Both steps now take seconds: the model answers slowly and so does the SMTP server.
    llm.delayMs = SLOW_MS;
    pipeline.smtp.delayRepliesNext(1, SLOW_MS);
    const requestsBefore = llm.requests;
    const second = await pipeline.post(5);
    const approved = await pipeline.api('POST', `/api/drafts/${firstDraft.id}/approve`, {
      lockVersion: firstDraft.lockVersion,
    });
    expect(approved.status).toBe(200);
    await llm.waitForRequests(requestsBefore + 1);
    await pipeline.smtp.waitForMessages(1);

    const signalled = Date.now();
    const exited = worker.kill('SIGTERM');
    // Work that arrives while the worker drains waits for the next one.
    const third = await pipeline.post(8);
    expect(third.status).toBe(202);
    const { code } = await exited;
    expect(code).toBe(0);
    expect(worker.output).toContain('shutting down');
    // It waited for the slow steps rather than abandoning them…
    expect(Date.now() - signalled).toBeGreaterThanOrEqual(SLOW_MS - 1_000);

    // …and both finished: the reply is recorded as sent (once), the second ticket has its draft.
    const delivery = await getDeliveryForDraft(pipeline.testDb.db, firstDraft.id);
    expect(delivery?.state).toBe('sent');
    expect(pipeline.smtp.received).toHaveLength(1);
    expect((await latestDraftForTicket(pipeline.testDb.db, second.ticketId!))?.kind).toBe('llm');
    for (const name of ['draft', 'deliver'] as const) {
      const queue = pipeline.queue(name);
      expect(await queue.getJobCounts('active', 'wait', 'delayed')).toEqual({
        active: 0,
        wait: 0,
        delayed: 0,
      });
    }
    const triaged = rowsOf<{ n: number }>(
      await pipeline.testDb.db.execute(
        sql`select count(*)::int as n from ticket_triage where ticket_id = ${third.ticketId!}`,
      ),
    );
    expect(triaged[0]!.n).toBe(0);

    // The next worker picks up what was left.
    llm.delayMs = 0;
    worker = await pipeline.spawn('worker');
    await pendingDraft(third.ticketId!);
    await pipeline.settle(30_000);
    const report = await pipeline.report();
    expect(invariantsOf(report)).toEqual(cleanInvariants);
    expect(report.deliveries).toEqual({ sent: 1 });
    expect(report.emailsSent).toBe(1);
    expect(report.deadLettered).toBe(0);
  }, 90_000);
});
