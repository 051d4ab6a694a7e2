import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { createLoginThrottle } from '../../src/auth/login-throttle.js';

// Nothing listens on port 1: every command fails at once, as when Redis is down.
const away = new Redis({
  port: 1,
  lazyConnect: true,
  enableOfflineQueue: false,
  maxRetriesPerRequest: 0,
  retryStrategy: () => null,
});
afterAll(() => away.disconnect());

const limits = {
  perAddress: 5,
  perAccountAddress: 3,
  slowAfter: 2,
  windowSeconds: 60,
  maxDelayMs: 1000,
};

describe('sign-in throttling without Redis', () => {
  it('still refuses past the per-(account, address) limit, counted in this process', async () => {
    const errors: unknown[] = [];
    const throttle = createLoginThrottle(away, 'dp', limits, {
      onRedisError: (e) => errors.push(e),
    });
    const outcomes = [];
    for (let i = 0; i < 4; i++) {
      const attempt = await throttle.begin('ana@example.com', '203.0.113.7');
      outcomes.push(attempt.allowed);
      if (attempt.allowed) await throttle.failed(attempt.keys);
    }
    expect(outcomes).toEqual([true, true, true, false]);
    expect(errors.length).toBeGreaterThan(0);
  });

  it('refuses an address spraying many accounts, and slows a much-failed account', async () => {
    const throttle = createLoginThrottle(away, 'dp', limits);
    const allowed = [];
    for (let i = 0; i < 6; i++) {
      allowed.push((await throttle.begin(`user${i}@example.com`, '198.51.100.1')).allowed);
    }
    expect(allowed).toEqual([true, true, true, true, true, false]);

    for (let i = 0; i < 3; i++) {
      const a = await throttle.begin('bo@example.com', `192.0.2.${i}`);
      if (a.allowed) await throttle.failed(a.keys);
    }
    const next = await throttle.begin('bo@example.com', '192.0.2.200');
    expect(next).toMatchObject({ allowed: true });
    expect(next.allowed && next.delayMs).toBeGreaterThan(0);
  });

  it('a success forgives the pair and gives the address attempt back', async () => {
    const throttle = createLoginThrottle(away, 'dp', limits);
    for (let i = 0; i < 2; i++) {
      const a = await throttle.begin('cy@example.com', '192.0.2.50');
      if (a.allowed) await throttle.failed(a.keys);
    }
    const ok = await throttle.begin('cy@example.com', '192.0.2.50');
    if (!ok.allowed) throw new Error('expected the third attempt to pass');
    await throttle.succeeded(ok.keys);
    for (let i = 0; i < 3; i++) {
      expect((await throttle.begin('cy@example.com', '192.0.2.50')).allowed).toBe(true);
    }
  });

  it('keeps its table bounded under addresses that never repeat', async () => {
    const throttle = createLoginThrottle(away, 'dp', limits, { localMaxEntries: 10 });
    for (let i = 0; i < 200; i++)
      await throttle.begin('dee@example.com', `10.0.${i >> 8}.${i & 255}`);
    // The first address's count was evicted: it starts again rather than the map growing.
    expect((await throttle.begin('dee@example.com', '10.0.0.0')).allowed).toBe(true);
  });
});
