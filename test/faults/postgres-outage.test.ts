import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { faultTestsCanRun } from '../support/db.js';
import { TEST_REDIS_URL } from '../support/deps.js';
import { cleanInvariants, invariantsOf } from './support/invariants.js';
import { ProcessPipeline } from './support/pipeline.js';
import type { ServiceProcess } from './support/service.js';
import { TcpProxy } from './support/tcp-proxy.js';

const OUTAGE_MS = 4_000;
const LONG_OUTAGE_MS = 20_000;

/**
 * Postgres goes away while webhooks arrive and jobs run, then comes back — without restarting the
 * shared server: the service (one real `npm start` process: api and workers) reaches Postgres
 * through a TCP proxy the test cuts (open connections reset, new ones refused) and restores.
 */
describe.skipIf(!faultTestsCanRun())('Postgres unavailable during intake', () => {
  let proxy: TcpProxy;
  let pipeline: ProcessPipeline;
  let service: ServiceProcess;

  beforeAll(async () => {
    const direct = new URL(process.env.TEST_DATABASE_URL ?? 'postgres://127.0.0.1:5432/test');
    proxy = await TcpProxy.start({ host: direct.hostname, port: Number(direct.port || 5432) });
    pipeline = await ProcessPipeline.start({
      redisUrl: TEST_REDIS_URL,
      databaseUrl: (url) => {
        const proxied = new URL(url);
        proxied.hostname = '127.0.0.1';
        proxied.port = String(proxy.port);
        return proxied.toString();
      },
    });
    service = await pipeline.spawn('both');
  });
  afterAll(async () => {
    await pipeline?.stop();
    await proxy?.close();
  });

  it('answers 503 + Retry-After while it is down, recovers on its own, and loses nothing', async () => {
    const before = await Promise.all(Array.from({ length: 15 }, (_, i) => pipeline.post(i)));
    expect(before.map((r) => r.status)).toEqual(Array(15).fill(202));
    // Work is in flight (triage, drafts) when the database goes away.
    await new Promise((r) => setTimeout(r, 300));
    await proxy.cut();
    const cutAt = Date.now();

    const during = [];
    let slowest = 0;
    for (let i = 15; i < 30; i++) {
      const request = pipeline.request(i);
      const started = Date.now();
      const res = await fetch(`${pipeline.baseUrl}${request.path}`, request.init);
      slowest = Math.max(slowest, Date.now() - started);
      during.push({ status: res.status, retryAfter: res.headers.get('retry-after') });
    }
    // Nothing was written, and every sender is told to come back — promptly, before a sender's
    // own timeout (Zendesk gives up on a webhook after 12 s).
    expect(during).toEqual(Array(15).fill({ status: 503, retryAfter: '5' }));
    expect(slowest).toBeLessThan(5_000);
    expect((await fetch(`${pipeline.baseUrl}/readyz`)).status).toBe(503);
    expect((await fetch(`${pipeline.baseUrl}/healthz`)).status).toBe(200);

    await new Promise((r) => setTimeout(r, Math.max(0, OUTAGE_MS - (Date.now() - cutAt))));
    const connectionsBefore = proxy.connections;
    await proxy.restore();

    // Same process, no restart: the pool reconnects and the senders' retries are accepted.
    const restoredAt = Date.now();
    const retried = await Promise.all(
      Array.from({ length: 15 }, (_, i) => postUntilAccepted(pipeline, 15 + i)),
    );
    // Back within seconds, not after postgres.js's reconnect backoff (up to 20 s). Senders retry
    // here as real ones do: a try that lands before the pool reconnects answers 503. (Unpatched,
    // postgres.js 3.4.9 could leave a pooled connection hanging every connect until
    // connect_timeout after the outage; see test/db/postgres-driver.)
    expect(Date.now() - restoredAt).toBeLessThan(10_000);
    expect(retried.map((r) => r.status)).toEqual(Array(15).fill(202));
    expect(proxy.connections).toBeGreaterThan(connectionsBefore);
    expect((await fetch(`${pipeline.baseUrl}/readyz`)).status).toBe(200);
    // A sender that retried a delivery that had in fact been accepted gets "duplicate".
    const again = await Promise.all([0, 1, 2].map((i) => pipeline.post(i)));
    expect(again.map((r) => r.status)).toEqual([200, 200, 200]);

    // The agent approves everything; the jobs that failed during the outage retried by themselves.
    await pipeline.approveUntil(
      (r) =>
        r.tickets === 30 &&
        r.undrafted === 0 &&
        Object.values(r.deliveries).reduce((a, b) => a + b, 0) === 30,
    );
    await pipeline.settle(60_000);
    // The same process did all of it: a database outage is not a crash.
    expect(service.alive).toBe(true);

    const report = await pipeline.report();
    expect(invariantsOf(report)).toEqual(cleanInvariants);
    expect(report.tickets).toBe(30);
    expect(report.deliveries).toEqual({ sent: 30 });
    expect(report.emailsSent).toBe(20);
    expect(report.emailsMissing).toBe(0);
    expect(report.zendeskReplies).toBe(10);
    expect(report.zendeskDuplicated).toBe(0);
    expect(report.deadLettered).toBe(0);
  }, 120_000);

  it('an outage longer than a job’s retry budget dead-letters nothing', async () => {
    // Triage gives a job 5 attempts over ~15 s; a Postgres failover can take longer than that.
    const before = await pipeline.report();
    const posted = await Promise.all(
      Array.from({ length: 30 }, (_, i) => postUntilAccepted(pipeline, 100 + i)),
    );
    expect(posted.map((r) => r.status)).toEqual(Array(30).fill(202));
    // Cut while the relay and the workers are busy with these tickets.
    await waitUntil(
      async () => (await pipeline.report()).jobs.triage!.completed > before.jobs.triage!.completed,
    );
    await proxy.cut();
    await new Promise((r) => setTimeout(r, LONG_OUTAGE_MS));
    await proxy.restore();

    await pipeline.approveUntil(
      (r) =>
        r.tickets === before.tickets + 30 &&
        r.undrafted === 0 &&
        Object.values(r.deliveries).reduce((a, b) => a + b, 0) === before.tickets + 30,
      90_000,
    );
    await pipeline.settle(60_000);
    const report = await pipeline.report();
    expect(invariantsOf(report)).toEqual(cleanInvariants);
    expect(report.deadLettered).toBe(0);
    expect(report.deliveries).toEqual({ sent: before.tickets + 30 });
    expect(service.alive).toBe(true);
  }, 150_000);
});

async function waitUntil(probe: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A sender that retries 503s and network errors for up to 15 s, as helpdesks do. */
async function postUntilAccepted(pipeline: ProcessPipeline, i: number) {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const outcome = await pipeline.post(i);
    if ((outcome.status !== 503 && outcome.status !== 0) || Date.now() > deadline) return outcome;
    await new Promise((r) => setTimeout(r, 250));
  }
}
