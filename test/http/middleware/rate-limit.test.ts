import { Hono } from 'hono';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createApp } from '../../../src/app.js';
import { createApiKey } from '../../../src/auth/api-keys.js';
import { clientIp } from '../../../src/http/middleware/rate-limit.js';
import { createTestDeps, type TestDeps } from '../../support/deps.js';
import { DisposableRedis } from '../../support/redis-server.js';
import { signedZendeskRequest, zendeskTicketCreated } from '../../support/zendesk.js';

interface Envelope {
  error: { code: string; message: string; requestId: string };
}

const get = (app: ReturnType<typeof createApp>, url: string, headers: Record<string, string>) =>
  app.request(url, { headers });

describe('rate limits on /api and /webhooks', () => {
  let deps: TestDeps;
  let app: ReturnType<typeof createApp>;
  let keyA: string;
  let keyB: string;

  beforeAll(async () => {
    deps = await createTestDeps({
      TRUST_PROXY: '1',
      RATE_LIMIT_API_PER_KEY: '3',
      RATE_LIMIT_API_PER_IP: '2',
      RATE_LIMIT_WEBHOOKS_PER_IP: '2',
      RATE_LIMIT_WINDOW_SECONDS: '60',
    });
    app = createApp(deps);
    keyA = (await createApiKey(deps.db, { name: 'a', role: 'agent' })).key;
    keyB = (await createApiKey(deps.db, { name: 'b', role: 'agent' })).key;
  });
  afterAll(() => deps.cleanup());

  it('answers 429 in the error envelope with Retry-After once a key has used its budget', async () => {
    const headers = { authorization: `Bearer ${keyA}`, 'x-forwarded-for': '198.51.100.1' };
    for (let i = 0; i < 3; i++) {
      const ok = await get(app, '/api/drafts', headers);
      expect(ok.status, await ok.clone().text()).toBe(200);
      expect(ok.headers.get('ratelimit-limit')).toBe('3');
      expect(ok.headers.get('ratelimit-remaining')).toBe(String(2 - i));
    }
    const limited = await get(app, '/api/drafts', headers);
    expect(limited.status).toBe(429);
    const retryAfter = Number(limited.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    const body = (await limited.json()) as Envelope;
    expect(body.error.code).toBe('rate_limited');
    expect(body.error.message).toContain('per API key');
    expect(body.error.requestId).toBe(limited.headers.get('x-request-id'));
    // The raw key never becomes a Redis key name; the key id does.
    const names = await deps.redis.keys(`${deps.config.QUEUE_PREFIX}:ratelimit:*`);
    expect(names.join(' ')).not.toContain(keyA);
    expect(names.some((n) => n.includes(':key:'))).toBe(true);
  });

  it('gives every key its own budget, independent of the address it comes from', async () => {
    // Same address as the exhausted key A: key B still has its whole budget.
    const res = await get(app, '/api/drafts', {
      authorization: `Bearer ${keyB}`,
      'x-forwarded-for': '198.51.100.1',
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('ratelimit-remaining')).toBe('2');
  });

  it('counts requests without a valid key per client address (the proxy-written entry)', async () => {
    // The leftmost X-Forwarded-For entries are the client's own claim; only the last is trusted.
    const spoofed = (claim: string) => ({ 'x-forwarded-for': `${claim}, 203.0.113.9` });
    expect((await get(app, '/api/drafts', spoofed('10.0.0.1'))).status).toBe(401);
    expect((await get(app, '/api/drafts', spoofed('10.0.0.2'))).status).toBe(401);
    const limited = await get(app, '/api/drafts', spoofed('10.0.0.3'));
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBeTruthy();
    expect(((await limited.json()) as Envelope).error.message).toContain('per client address');
    // Another address has its own budget.
    expect((await get(app, '/api/drafts', { 'x-forwarded-for': '203.0.113.10' })).status).toBe(401);
  });

  it('refuses made-up keys from an exhausted address without verifying them', async () => {
    const verify = vi.spyOn(deps.apiKeys, 'verify');
    try {
      const bogus = (n: number) => ({
        authorization: `Bearer dp_AAAAAAA${n}_${'x'.repeat(30)}`,
        'x-forwarded-for': '203.0.113.20',
      });
      expect((await get(app, '/api/drafts', bogus(1))).status).toBe(401);
      expect((await get(app, '/api/drafts', bogus(2))).status).toBe(401);
      const callsBefore = verify.mock.calls.length;
      for (let n = 3; n < 8; n++) {
        expect((await get(app, '/api/drafts', bogus(n))).status).toBe(429);
      }
      expect(verify.mock.calls.length).toBe(callsBefore);
      // A valid key from the same address is still served (it is counted on its own budget)...
      const valid = await createApiKey(deps.db, { name: 'c', role: 'agent' });
      const res = await get(app, '/api/drafts', {
        authorization: `Bearer ${valid.key}`,
        'x-forwarded-for': '203.0.113.21',
      });
      expect(res.status).toBe(200);
    } finally {
      verify.mockRestore();
    }
  });

  it('keyless requests that exhaust an address do not starve a valid key from it (finding 13)', async () => {
    const address = { 'x-forwarded-for': '203.0.113.30' };
    expect((await get(app, '/api/drafts', address)).status).toBe(401);
    expect((await get(app, '/api/drafts', address)).status).toBe(401);
    expect((await get(app, '/api/drafts', address)).status).toBe(429);
    // A key the limiter has not seen yet, from the very same address: verified and served.
    const valid = await createApiKey(deps.db, { name: 'same address', role: 'agent' });
    const res = await get(app, '/api/drafts', { authorization: `Bearer ${valid.key}`, ...address });
    expect(res.status).toBe(200);
    expect(res.headers.get('ratelimit-limit')).toBe('3');
  });

  it('limits webhooks per sender address too', async () => {
    const send = (ip: string, id: string) => {
      const request = signedZendeskRequest(zendeskTicketCreated(id));
      const headers = { ...(request.headers as Record<string, string>), 'x-forwarded-for': ip };
      return app.request('/webhooks/zendesk', { ...request, headers });
    };
    const statuses: number[] = [];
    for (const id of ['501', '502', '503']) statuses.push((await send('192.0.2.7', id)).status);
    expect(statuses).toEqual([202, 202, 429]);
    expect((await send('192.0.2.8', '504')).status).toBe(202);
  });
});

describe('rate limits while Redis is down', () => {
  let redis: DisposableRedis;
  let deps: TestDeps;

  beforeAll(async () => {
    redis = await DisposableRedis.create();
    deps = await createTestDeps({
      REDIS_URL: redis.url,
      RATE_LIMIT_API_PER_KEY: '1',
      RATE_LIMIT_API_PER_IP: '1',
      RATE_LIMIT_WEBHOOKS_PER_IP: '1',
    });
  });
  let redisDown = false;
  afterAll(async () => {
    // Closing the queues needs Redis; bring it back if the test stopped early.
    if (redisDown) await redis.start();
    await deps.cleanup();
    await redis.stop();
  });

  it('let requests through (fail open) and log a warning; limits apply again when it is back', async () => {
    const warnings: string[] = [];
    deps.log = pino({ level: 'warn' }, { write: (line: string) => warnings.push(line) });
    const app = createApp(deps);
    const { key } = await createApiKey(deps.db, { name: 'a', role: 'agent' });
    await redis.stop();
    redisDown = true;

    // Intake keeps working: every delivery is accepted although the budget is one per minute.
    for (const id of ['1', '2', '3']) {
      const res = await app.request(
        '/webhooks/zendesk',
        signedZendeskRequest(zendeskTicketCreated(id)),
      );
      expect(res.status).toBe(202);
    }
    for (let i = 0; i < 3; i++) {
      const res = await app.request('/api/drafts', { headers: { authorization: `Bearer ${key}` } });
      expect(res.status).toBe(200);
    }
    expect(warnings.join('\n')).toContain('rate limit store unavailable');
    // One warning per interval and surface (api, webhooks), not one per request.
    expect(warnings.filter((w) => w.includes('rate limit store unavailable'))).toHaveLength(2);

    await redis.start();
    redisDown = false;
    const statuses: number[] = [];
    for (let i = 0; i < 80 && !statuses.includes(429); i++) {
      statuses.push(
        (await app.request('/api/drafts', { headers: { authorization: `Bearer ${key}` } })).status,
      );
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(statuses).toContain(429);
  }, 60_000);
});

describe('client address', () => {
  const probe = async (trust: number, headers: Record<string, string>) => {
    const app = new Hono();
    app.get('/', (c) => c.text(clientIp(c, trust)));
    return (await app.request('/', { headers })).text();
  };

  it('ignores X-Forwarded-For unless proxies are trusted, then takes the proxy-written entry', async () => {
    const xff = { 'x-forwarded-for': '10.1.1.1, 198.51.100.4, 192.0.2.1' };
    expect(await probe(0, xff)).toBe('unknown');
    expect(await probe(1, xff)).toBe('192.0.2.1');
    expect(await probe(2, xff)).toBe('198.51.100.4');
    expect(await probe(5, xff)).toBe('10.1.1.1');
    expect(await probe(1, { 'x-forwarded-for': 'not-an-ip' })).toBe('unknown');
  });

  it('counts IPv6 clients per /64 and unwraps IPv4-mapped addresses', async () => {
    expect(await probe(1, { 'x-forwarded-for': '2001:db8:abcd:12:1::7' })).toBe(
      '2001:db8:abcd:12::/64',
    );
    expect(await probe(1, { 'x-forwarded-for': '2001:db8:abcd:12:ffff::1' })).toBe(
      '2001:db8:abcd:12::/64',
    );
    expect(await probe(1, { 'x-forwarded-for': '::ffff:198.51.100.4' })).toBe('198.51.100.4');
  });
});
