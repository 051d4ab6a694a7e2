import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisDurabilityProblem } from '../../src/jobs/redis.js';
import { DisposableRedis } from '../support/redis-server.js';

describe('redisDurabilityProblem', () => {
  let server: DisposableRedis;
  let redis: Redis;
  beforeAll(async () => {
    // A redis-server of its own: the test changes its configuration.
    server = await DisposableRedis.create();
    redis = new Redis(server.url, { maxRetriesPerRequest: 1 });
  });
  afterAll(async () => {
    redis.disconnect();
    await server.stop();
  });

  it('names appendonly when Redis keeps nothing on disk', async () => {
    await redis.config('SET', 'appendonly', 'no');
    expect(await redisDurabilityProblem(redis)).toMatch(/appendonly is off/);
  });

  it('is satisfied by AOF with noeviction', async () => {
    await redis.config('SET', 'appendonly', 'yes');
    await redis.config('SET', 'maxmemory-policy', 'noeviction');
    expect(await redisDurabilityProblem(redis)).toBeNull();
  });

  it('names an eviction policy that could drop jobs', async () => {
    await redis.config('SET', 'maxmemory-policy', 'allkeys-lru');
    expect(await redisDurabilityProblem(redis)).toBe(
      'maxmemory-policy is allkeys-lru: Redis may evict queued jobs (set noeviction)',
    );
  });

  it('says nothing when CONFIG is not allowed (managed Redis)', async () => {
    const refusing = {
      call: async () => {
        throw new Error("ERR unknown command 'CONFIG'");
      },
    } as unknown as Redis;
    expect(await redisDurabilityProblem(refusing)).toBeNull();
  });
});
