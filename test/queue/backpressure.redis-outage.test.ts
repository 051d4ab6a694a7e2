import { randomUUID } from 'node:crypto';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeQueues, createQueues, type Queues } from '../../src/jobs/queues.js';
import { createProducerConnection } from '../../src/jobs/redis.js';
import { createBackpressure } from '../../src/queue/backpressure.js';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { DisposableRedis } from '../support/redis-server.js';

/*
 * A triage backlog Redis cannot tell is not an empty one. Against a real redis-server the test
 * kills: a paused drafting stays paused on the last count for the grace, then the backlog is
 * unknown — drafting is no longer held on it, and the gauge and a warning say so — and a readable
 * Redis makes it known again.
 */
const GRACE_MS = 400;
let redis: DisposableRedis;
let testDb: TestDatabase;
let queues: Queues;
let connection: ReturnType<typeof createProducerConnection>;
const registry = new Registry();
const warnings: string[] = [];

beforeAll(async () => {
  redis = await DisposableRedis.create();
  testDb = await createTestDatabase();
  connection = createProducerConnection(redis.url);
  connection.on('error', () => {});
  queues = createQueues(connection, `bp-${randomUUID().slice(0, 8)}`, pino({ level: 'silent' }));
});
afterAll(async () => {
  await closeQueues(queues).catch(() => {});
  connection.disconnect();
  await redis.stop();
  await testDb.destroy();
});

describe('back-pressure when Redis cannot be read', () => {
  it('keeps the last backlog for the grace, then treats it as unknown and reports it', async () => {
    const log = pino(
      { level: 'info' },
      { write: (line: string) => warnings.push(JSON.parse(line).msg as string) },
    );
    const backpressure = createBackpressure(
      { db: testDb.db, queues, log, registry },
      { maxOutboxDepth: 0, draftPauseBacklog: 3, draftPauseLagMs: 0, backlogGraceMs: GRACE_MS },
    );
    const unknownGauge = async () =>
      (await registry.getSingleMetric('deskpilot_backpressure_backlog_unknown')?.get())?.values[0]
        ?.value;

    for (let i = 0; i < 4; i++) {
      await queues.triage.add('triage', { ticketId: randomUUID() }, { jobId: randomUUID() });
    }
    await backpressure.sample();
    expect(backpressure.draftPaused()).toBe(true);

    await redis.stop();
    // Within the grace: the last count (4 waiting) stands; drafting stays paused.
    await backpressure.sample();
    expect(backpressure.draftPaused()).toBe(true);
    expect(await unknownGauge()).toBe(0);

    await new Promise((r) => setTimeout(r, GRACE_MS + 100));
    await backpressure.sample();
    // Past it: unknown, reported, and not holding drafting paused on a number nobody can read.
    expect(await unknownGauge()).toBe(1);
    expect(backpressure.draftPaused()).toBe(false);
    expect(warnings.some((w) => w.startsWith('triage backlog unknown'))).toBe(true);

    await redis.start();
    // The producer connection reconnects with a backoff (up to 2 s, longer on a loaded machine).
    const end = Date.now() + 20_000;
    do {
      await new Promise((r) => setTimeout(r, 200));
      await backpressure.sample();
    } while ((await unknownGauge()) !== 0 && Date.now() < end);
    expect(await unknownGauge()).toBe(0);
    expect(warnings).toContain('triage backlog readable again');
  });
});
