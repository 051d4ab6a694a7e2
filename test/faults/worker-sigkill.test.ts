import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getDelivery, getDeliveryForDraft } from '../../src/db/queries/drafts.js';
import { listTicketEvents } from '../../src/db/queries/tickets.js';
import { rowsOf } from '../../src/db/rows.js';
import type { Draft } from '../../src/db/schema/drafts.js';
import { faultTestsCanRun } from '../support/db.js';
import { TEST_REDIS_URL } from '../support/deps.js';
import { waitFor } from '../support/redis-server.js';
import { parseReceived, rawHeaderValues } from '../support/smtp-server.js';
import { FakeLlmServer } from './support/fake-llm.js';
import { cleanInvariants, invariantsOf } from './support/invariants.js';
import { ProcessPipeline, TEAM_ADDRESS } from './support/pipeline.js';
import type { ServiceProcess } from './support/service.js';

/**
 * A worker process (src/worker.ts, the production entry point) is SIGKILLed in the middle of
 * drafting and, later, in the middle of sending; a new worker takes over. The api runs as its own
 * process (src/main.ts --role api); drafts come from an OpenAI-compatible server the test holds.
 */
describe.skipIf(!faultTestsCanRun())('a worker SIGKILLed mid-draft and mid-send', () => {
  let llm: FakeLlmServer;
  let pipeline: ProcessPipeline;
  let worker: ServiceProcess;

  beforeAll(async () => {
    llm = await FakeLlmServer.start();
    pipeline = await ProcessPipeline.start({
      redisUrl: TEST_REDIS_URL,
      env: { DRAFT_LLM: llm.url, DRAFT_LLM_MODEL: 'fault-model' },
    });
    await Promise.all([pipeline.spawn('api'), pipeline.spawn('worker')]).then(([, w]) => {
      worker = w;
    });
  });
  afterAll(async () => {
    await pipeline?.stop();
    await llm?.close();
  });

  const draftsOf = async (ticketId: string) =>
    rowsOf<Draft & { kind: string; status: string; lock_version: number }>(
      await pipeline.testDb.db.execute(
        sql`select id, kind, status, lock_version, provisional from drafts
            where ticket_id = ${ticketId} order by version`,
      ),
    );

  it('the ticket gets exactly one draft and the customer exactly one email, never a resend', async () => {
    // ── Killed while the model is generating ────────────────────────────────────────────────
    llm.mode = 'hold';
    const { status, ticketId } = await pipeline.post(2); // a raw email
    expect(status).toBe(202);
    await llm.waitForRequests(1);
    // The extractive draft is in the inbox while the model writes.
    expect(await draftsOf(ticketId!)).toEqual([
      expect.objectContaining({
        kind: 'extractive',
        status: 'pending_approval',
        provisional: true,
      }),
    ]);
    expect((await worker.kill('SIGKILL')).signal).toBe('SIGKILL');

    // The draft job is still "active" under the dead worker's lock until the lock expires.
    expect(await pipeline.expireLocksOfDeadWorkers()).toEqual([
      expect.stringMatching(/^draft\/ob-[0-9a-f]+-\d+$/),
    ]);
    llm.mode = 'answer';
    worker = await pipeline.spawn('worker');
    await waitFor(async () => (await draftsOf(ticketId!)).length > 1, {
      what: 'the draft, written by the second worker',
      timeoutMs: 30_000,
    });
    await new Promise((r) => setTimeout(r, 500));
    // The second worker resumed on the same stand-in and replaced it: one model draft.
    const versions = await draftsOf(ticketId!);
    expect(versions).toHaveLength(2);
    expect(versions[0]).toMatchObject({ kind: 'extractive', status: 'superseded' });
    expect(versions[1]).toMatchObject({ kind: 'llm', status: 'pending_approval' });
    const drafts = versions.slice(1);
    // One generation died with the first worker, the second one made the draft.
    expect(llm.requests).toBe(2);

    // ── Killed while the SMTP server holds its answer to a message it has already taken ──────
    pipeline.smtp.delayRepliesNext(1, 60_000);
    const draft = drafts[0]!;
    const approved = await pipeline.api('POST', `/api/drafts/${draft.id}/approve`, {
      lockVersion: draft.lock_version,
    });
    expect(approved.status).toBe(200);
    await pipeline.smtp.waitForMessages(1, 30_000);
    const delivery = (await getDeliveryForDraft(pipeline.testDb.db, draft.id))!;
    // `sending` was committed before the SMTP conversation started.
    expect(delivery.state).toBe('sending');
    await worker.kill('SIGKILL');

    expect(await pipeline.expireLocksOfDeadWorkers()).toEqual([
      expect.stringMatching(/^deliver\/ob-[0-9a-f]+-\d+$/),
    ]);
    worker = await pipeline.spawn('worker');
    await waitFor(
      async () => (await getDelivery(pipeline.testDb.db, delivery.id))?.state === 'uncertain',
      { what: 'delivery marked uncertain', timeoutMs: 30_000 },
    );

    // The customer has exactly the one email the server took; the new worker did not send again
    // (SMTP has no idempotency key, so a row found in `sending` is never retried)…
    await waitFor(async () => pipeline.smtp.received.length >= 2, { what: 'the alert email' });
    await new Promise((r) => setTimeout(r, 1_000));
    const toCustomer = pipeline.smtp.received.filter(
      (m) => !m.envelope.rcptTo.includes(TEAM_ADDRESS),
    );
    expect(toCustomer).toHaveLength(1);
    expect(rawHeaderValues(toCustomer[0]!.raw, 'message-id')[0]).toBe(
      `<${delivery.emailMessageId}>`,
    );
    // …and a human is told to check before resending.
    const alerts = pipeline.smtp.received.filter((m) => m.envelope.rcptTo.includes(TEAM_ADDRESS));
    expect(alerts).toHaveLength(1);
    expect((await parseReceived(alerts[0]!)).text).toContain('may or may not have been sent');
    const events = (await listTicketEvents(pipeline.testDb.db, ticketId!)).map((e) => e.type);
    expect(events.filter((t) => t === 'sent')).toEqual([]);
    expect(events).toContain('delivery_failed');
    expect((await draftsOf(ticketId!)).at(-1)?.status).toBe('delivery_failed');

    await pipeline.settle(30_000);
    const report = await pipeline.report();
    expect(invariantsOf(report)).toEqual(cleanInvariants);
    expect(report.deliveries).toEqual({ uncertain: 1 });
    expect(report.emailsSent).toBe(1);
    // Both interrupted jobs completed on their second run: nothing dead-lettered.
    expect(report.deadLettered).toBe(0);
  }, 120_000);
});
