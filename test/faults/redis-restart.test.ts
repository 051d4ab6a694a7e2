import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { faultTestsCanRun } from '../support/db.js';
import { cleanInvariants, invariantsOf } from './support/invariants.js';
import { FaultPipeline } from './support/pipeline.js';
import { RedisProcess } from './support/redis.js';

/**
 * Redis crashes (SIGKILL) and comes back on the same port, once while webhooks arrive and once
 * while triage, drafting and delivery jobs are running. Redis runs with an append-only file, as
 * BullMQ's production guide requires, so acknowledged writes survive the crash.
 */
describe.skipIf(!faultTestsCanRun())('Redis restarted during intake and during processing', () => {
  let redis: RedisProcess;
  let pipeline: FaultPipeline;

  beforeAll(async () => {
    redis = await RedisProcess.start({ persistent: true });
    pipeline = await FaultPipeline.start({ redisUrl: redis.url, env: { OUTBOX_POLL_MS: '100' } });
  });
  afterAll(async () => {
    await pipeline?.stop();
    await redis?.close();
  });

  it('answers every webhook, loses no ticket and sends every reply exactly once', async () => {
    // Intake: 60 webhooks at ~30/s; Redis dies after the 20th and is back a second later.
    const statuses: number[] = [];
    let restarted: Promise<void> | undefined;
    for (let i = 0; i < 60; i++) {
      if (i === 20) restarted = redis.restart(1_000);
      statuses.push((await pipeline.post(i)).status);
      await new Promise((r) => setTimeout(r, 30));
    }
    // The outbox holds the work while Redis is away: nobody is told to retry.
    expect(statuses.filter((s) => s !== 202)).toEqual([]);
    await restarted;

    // Processing: replies go out slowly (the SMTP server takes 400 ms to answer), more tickets
    // arrive, and Redis dies again while those jobs are active.
    await pipeline.settle(60_000);
    pipeline.smtp.delayRepliesNext(1_000, 400);
    expect(await pipeline.approvePending()).toBeGreaterThan(0);
    const more: Promise<{ status: number }>[] = [];
    for (let i = 60; i < 90; i++) more.push(pipeline.post(i));
    await waitUntil(() => pipeline.smtp.received.length >= 3, 'first replies in flight');
    await redis.restart(1_500);
    expect((await Promise.all(more)).filter((r) => r.status !== 202)).toEqual([]);

    // The agent keeps approving until every ticket's draft is decided.
    await waitUntil(
      async () => {
        await pipeline.approvePending();
        const report = await pipeline.report().catch(() => null);
        return (
          report !== null &&
          report.tickets === 90 &&
          report.undrafted === 0 &&
          Object.values(report.deliveries).reduce((a, b) => a + b, 0) === 90
        );
      },
      'every ticket drafted and approved',
      120_000,
    );
    await pipeline.settle(120_000);

    const report = await pipeline.report();
    expect(invariantsOf(report)).toEqual(cleanInvariants);
    expect(report.tickets).toBe(90);
    expect(report.deliveries).toEqual({ sent: 90 });
    // 60 tickets are email or generic JSON (answered by email), 30 are Zendesk (a comment).
    expect(report.emailsSent).toBe(60);
    expect(report.emailsMissing).toBe(0);
    expect(report.zendeskReplies).toBe(30);
    expect(report.zendeskDuplicated).toBe(0);
    expect(report.deadLettered).toBe(0);
  }, 240_000);
});

async function waitUntil(
  probe: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 30_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
