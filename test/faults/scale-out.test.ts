import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { faultTestsCanRun } from '../support/db.js';
import { DisposableRedisCluster } from '../support/redis-cluster.js';
import { cleanInvariants, invariantsOf } from './support/invariants.js';
import { ProcessPipeline } from './support/pipeline.js';
import type { ServiceProcess } from './support/service.js';

/**
 * Issue #18 goal 5: the service scaled out on existing engines — 2 api and 3 worker processes
 * (the production entry points) against one Postgres and a three-master Redis Cluster started
 * here. Mid-run a worker is SIGKILLed and the master holding the queues' slot is SIGKILLed and
 * restarted. Every ticket is drafted and answered once: 0 lost, 0 duplicate emails (real SMTP
 * sink), 0 duplicate Zendesk replies.
 */
describe.skipIf(!faultTestsCanRun())('scale-out on a Redis Cluster', () => {
  let cluster: DisposableRedisCluster;
  let pipeline: ProcessPipeline;
  let workers: ServiceProcess[];

  beforeAll(async () => {
    cluster = await DisposableRedisCluster.start(3);
    pipeline = await ProcessPipeline.start({
      redisUrl: `redis://127.0.0.1:${cluster.ports[0]}`,
      redisCluster: true,
    });
    await pipeline.spawn('api');
    await pipeline.spawn('api', {}, { separatePort: true });
    workers = await Promise.all([0, 1, 2].map(() => pipeline.spawn('worker')));
  }, 300_000);
  afterAll(async () => {
    await pipeline?.stop();
    await cluster?.stop();
  });

  it('2 api + 3 workers: a worker and a Redis master killed mid-run, 0 lost, 0 duplicated', async () => {
    const total = 30;
    const statuses: number[] = [];
    const owner = await cluster.masterOf(`${pipeline.queuePrefix}:triage:meta`);
    for (let i = 0; i < total; i++) {
      if (i === 10) await workers[0]!.kill('SIGKILL');
      if (i === 15) await cluster.kill(owner);
      if (i === 20) await cluster.restart(owner);
      // Alternates between the two api processes (a round-robin load balancer).
      statuses.push((await pipeline.post(i)).status);
    }
    // Intake does not need Redis: every webhook was accepted, the master's outage included.
    expect(statuses).toEqual(Array(total).fill(202));

    await pipeline.approveUntil(
      (r) =>
        r.tickets === total &&
        r.undrafted === 0 &&
        Object.values(r.deliveries).reduce((a, b) => a + b, 0) === total,
      // The killed worker's jobs run again once their locks expire (up to 150 s for a draft).
      300_000,
    );
    // Every ticket can be answered while the killed worker's own draft jobs still hold their
    // locks (150 s, then the stalled check): settling waits for those to run again and finish.
    await pipeline.settle(240_000);
    const report = await pipeline.report();
    expect(invariantsOf(report)).toEqual(cleanInvariants);
    expect(report.tickets).toBe(total);
    expect(report.deliveries).toEqual({ sent: total });
    expect(report.emailsDuplicated).toBe(0);
    expect(report.emailsMissing).toBe(0);
    expect(report.emailsSent + report.zendeskReplies).toBe(total);
    expect(report.zendeskDuplicated).toBe(0);
    expect(report.deadLettered).toBe(0);
  }, 900_000);
});
