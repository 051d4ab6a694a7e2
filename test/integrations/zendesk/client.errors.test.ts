import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ZendeskApiError,
  ZendeskConflictError,
  ZendeskNetworkError,
  ZendeskRateLimitError,
} from '../../../src/integrations/zendesk/errors.js';
import { parseRetryAfter } from '../../../src/integrations/zendesk/http.js';
import { FakeZendesk } from '../../support/fake-zendesk.js';
import { clientFor, fileFakeZendesk } from './helpers.js';

const fake = await fileFakeZendesk();

const PUT = { method: 'PUT' };

describe('safe updates', () => {
  it('rejects an update based on a stale updated_at with ZendeskConflictError', async () => {
    const seeded = fake.seedTicket({ priority: 'normal' });
    const { client } = clientFor(fake);
    const read = await client.getTicket(seeded.id);
    fake.touchTicket(seeded.id, { priority: 'high' }); // an agent edits meanwhile

    const attempt = client.updateTicket(
      seeded.id,
      { priority: 'low' },
      { safeUpdate: { updatedAt: read.updatedAt } },
    );

    const err = await attempt.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ZendeskConflictError);
    expect(err).toMatchObject({ status: 409, code: 'UpdateConflict', retryable: false });
    expect(fake.ticket(seeded.id).priority).toBe('high');
  });

  it('treats its own earlier write as success when a retried safe update conflicts with it', async () => {
    const seeded = fake.seedTicket({ priority: 'normal' });
    const { client } = clientFor(fake);
    const read = await client.getTicket(seeded.id);
    fake.failNextAfterCommit(1, 502, PUT); // applied, but we only see a 502

    const updated = await client.updateTicket(
      seeded.id,
      { priority: 'urgent' },
      { safeUpdate: { updatedAt: read.updatedAt } },
    );

    expect(updated.priority).toBe('urgent');
    expect(fake.requests.map((r) => `${r.method} ${r.status}`)).toEqual([
      'GET 200',
      'PUT 502',
      'PUT 409',
      'GET 200',
    ]);
  });

  it('still reports the conflict when someone else changed the same field after our lost write', async () => {
    const seeded = fake.seedTicket({ priority: 'normal' });
    const { client } = clientFor(fake, {
      sleep: async () => {
        fake.touchTicket(seeded.id, { priority: 'low' });
      },
    });
    const read = await client.getTicket(seeded.id);
    fake.failNextAfterCommit(1, 502, PUT);

    await expect(
      client.updateTicket(
        seeded.id,
        { priority: 'urgent' },
        { safeUpdate: { updatedAt: read.updatedAt } },
      ),
    ).rejects.toBeInstanceOf(ZendeskConflictError);
  });
});

describe('rate limits', () => {
  it('waits for Retry-After seconds on 429, then succeeds', async () => {
    const seeded = fake.seedTicket();
    const { client, sleeps } = clientFor(fake);
    fake.failNext(1, { status: 429, retryAfter: 7 });

    const ticket = await client.getTicket(seeded.id);

    expect(ticket.id).toBe(seeded.id);
    expect(sleeps).toEqual([7_000]);
    expect(fake.requests.map((r) => r.status)).toEqual([429, 200]);
  });

  it('gives up after the bounded number of 429 retries', async () => {
    const seeded = fake.seedTicket();
    const { client, sleeps } = clientFor(fake, { retry: { maxRateLimitRetries: 2 } });
    fake.failNext(3, { status: 429, retryAfter: 1 });

    const err = await client.getTicket(seeded.id).catch((e: unknown) => e);

    expect(err).toBeInstanceOf(ZendeskRateLimitError);
    expect(err).toMatchObject({ status: 429, retryAfterMs: 1_000, attempts: 3, retryable: true });
    expect(sleeps).toEqual([1_000, 1_000]);
  });

  it('fails fast when Retry-After exceeds the wait budget, so the queue can reschedule', async () => {
    const seeded = fake.seedTicket();
    const { client, sleeps } = clientFor(fake, { retry: { maxTotalWaitMs: 30_000 } });
    fake.failNext(1, { status: 429, retryAfter: 93 });

    const err = await client.getTicket(seeded.id).catch((e: unknown) => e);

    expect(err).toBeInstanceOf(ZendeskRateLimitError);
    expect((err as ZendeskRateLimitError).retryAfterMs).toBe(93_000);
    expect(sleeps).toEqual([]);
  });

  it('holds every later call of the account until Retry-After has passed, without sending it', async () => {
    const seeded = fake.seedTicket();
    let now = Date.parse('2026-12-01T00:00:00Z');
    const sleeps: number[] = [];
    const { client } = clientFor(fake, {
      retry: { maxTotalWaitMs: 30_000 },
      now: () => now,
      sleep: async (ms) => {
        sleeps.push(ms);
        now += ms;
      },
    });
    fake.failNext(1, { status: 429, retryAfter: 93 });
    await client.getTicket(seeded.id).catch(() => undefined);

    // 40 s later another job calls: 53 s are left, more than its budget allows.
    now += 40_000;
    const err = await client.getTicket(seeded.id).catch((e: unknown) => e);
    expect((err as ZendeskRateLimitError).retryAfterMs).toBe(53_000);
    expect(fake.requests.map((r) => r.status)).toEqual([429]);

    // 30 s later the remaining 23 s fit the budget: the call waits them, then goes through.
    now += 30_000;
    await client.getTicket(seeded.id);
    expect(sleeps.at(-1)).toBe(23_000);
    expect(fake.requests.map((r) => r.status)).toEqual([429, 200]);
  });

  it('retries a 429 even for a comment: Zendesk rejected it before doing anything', async () => {
    const seeded = fake.seedTicket();
    const { client, sleeps } = clientFor(fake);
    fake.failNext(1, { status: 429, retryAfter: 2 }, PUT);

    const result = await client.addComment(
      seeded.id,
      { body: 'Thanks, fixed.', public: true },
      { idempotencyKey: 'rl-1' },
    );

    expect(result.replayed).toBe(false);
    expect(sleeps).toEqual([2_000]);
    expect(fake.ticket(seeded.id).comments).toHaveLength(2);
  });

  it('parses Retry-After given as seconds or as an HTTP date', () => {
    const now = Date.parse('2026-11-20T10:00:00Z');
    expect(parseRetryAfter('30', now)).toBe(30_000);
    expect(parseRetryAfter('Fri, 20 Nov 2026 10:00:45 GMT', now)).toBe(45_000);
    expect(parseRetryAfter('Fri, 20 Nov 2026 09:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeNull();
    expect(parseRetryAfter(null, now)).toBeNull();
  });
});

describe('server errors and timeouts', () => {
  it('retries 5xx with exponential backoff and jitter, then succeeds', async () => {
    const seeded = fake.seedTicket();
    const { client, sleeps } = clientFor(fake, { random: () => 0.5 });
    fake.failNext(2, { status: 500 });

    await expect(client.getTicket(seeded.id)).resolves.toMatchObject({ id: seeded.id });

    // base 500 ms: caps 500 then 1000, half fixed + half jittered (0.5 here)
    expect(sleeps).toEqual([375, 750]);
  });

  it('gives up on persistent 5xx with a typed, retryable error', async () => {
    const seeded = fake.seedTicket();
    const { client, sleeps } = clientFor(fake, { retry: { maxRetries: 3 } });
    fake.failNext(4, { status: 503 });

    const err = await client.getTicket(seeded.id).catch((e: unknown) => e);

    expect(err).toBeInstanceOf(ZendeskApiError);
    expect(err).toMatchObject({
      status: 503,
      code: 'ServerError',
      attempts: 4,
      retryable: true,
      method: 'GET',
      path: `/api/v2/tickets/${seeded.id}.json`,
    });
    expect(sleeps).toHaveLength(3);
    expect(fake.requests).toHaveLength(4);
  });

  it('caps each backoff at maxDelayMs', async () => {
    const seeded = fake.seedTicket();
    const { client, sleeps } = clientFor(fake, {
      random: () => 1,
      retry: { maxRetries: 6, baseDelayMs: 1_000, maxDelayMs: 4_000 },
    });
    fake.failNext(6, { status: 500 });

    await client.getTicket(seeded.id);

    expect(sleeps).toEqual([1_000, 2_000, 4_000, 4_000, 4_000, 4_000]);
  });

  it('retries an attempt that times out', async () => {
    const seeded = fake.seedTicket();
    const { client, sleeps } = clientFor(fake, { timeoutMs: 100 });
    fake.delayNext(1, 400);

    await expect(client.getTicket(seeded.id)).resolves.toMatchObject({ id: seeded.id });
    expect(sleeps).toHaveLength(1);
  });

  it('reports a timeout as ZendeskNetworkError once retries are spent', async () => {
    const seeded = fake.seedTicket();
    const { client } = clientFor(fake, { timeoutMs: 50, retry: { maxRetries: 1 } });
    fake.delayNext(2, 300);

    const err = await client.getTicket(seeded.id).catch((e: unknown) => e);

    expect(err).toBeInstanceOf(ZendeskNetworkError);
    expect(err).toMatchObject({ reason: 'timeout', attempts: 2, retryable: true });
  });

  it('stops at once when the caller aborts', async () => {
    const seeded = fake.seedTicket();
    const controller = new AbortController();
    const { client } = clientFor(fake, {
      sleep: async () => {
        controller.abort(new Error('shutting down'));
      },
    });
    fake.failNext(1, { status: 500 });

    await expect(client.getTicket(seeded.id, { signal: controller.signal })).rejects.toThrow(
      'shutting down',
    );
    expect(fake.requests).toHaveLength(1);
  });

  it('maps other 4xx to ZendeskApiError with Zendesk error body, without retrying', async () => {
    fake.seedTicket();
    const { client, sleeps } = clientFor(fake);

    const missing = await client.getTicket('123456789').catch((e: unknown) => e);

    expect(missing).toBeInstanceOf(ZendeskApiError);
    expect(missing).not.toBeInstanceOf(ZendeskConflictError);
    expect(missing).toMatchObject({
      status: 404,
      code: 'RecordNotFound',
      description: 'Not found',
      retryable: false,
      attempts: 1,
      body: { error: 'RecordNotFound', description: 'Not found' },
    });
    expect((missing as ZendeskApiError).zendeskRequestId).toMatch(/^[0-9a-f]+$/);

    const seeded = fake.seedTicket();
    const invalid = await client
      .updateTicket(seeded.id, { groupId: '404404' })
      .catch((e: unknown) => e);
    expect(invalid).toMatchObject({ status: 422, code: 'RecordInvalid' });
    expect((invalid as ZendeskApiError).body).toMatchObject({ details: { group: [{}] } });
    expect(sleeps).toEqual([]);
  });
});

describe('idempotent comments', () => {
  it('posts one comment when the same idempotency key is sent twice', async () => {
    const seeded = fake.seedTicket();
    const { client } = clientFor(fake);
    const reply = { body: 'We have reset your password link.', public: true };

    const first = await client.addComment(seeded.id, reply, { idempotencyKey: 'draft-7' });
    const second = await client.addComment(seeded.id, reply, { idempotencyKey: 'draft-7' });

    expect(fake.ticket(seeded.id).comments.filter((c) => c.body === reply.body)).toHaveLength(1);
    expect(second).toEqual({ ...first, replayed: true });
  });

  describe('when Zendesk does not honour Idempotency-Key on updates', () => {
    let strict: FakeZendesk;
    beforeAll(async () => {
      strict = await FakeZendesk.start({ idempotencyOnUpdates: false });
    });
    afterAll(async () => {
      await strict.close();
    });

    it('finds the comment an uncertain attempt created instead of posting it again', async () => {
      const seeded = strict.seedTicket();
      const { client } = clientFor(strict);
      strict.failNextAfterCommit(1, 502, PUT);

      const result = await client.addComment(
        seeded.id,
        { body: 'Your refund is on its way.', public: true },
        { idempotencyKey: 'draft-8' },
      );

      const posted = strict
        .ticket(seeded.id)
        .comments.filter((c) => c.body.startsWith('Your refund'));
      expect(posted).toHaveLength(1);
      expect(result).toEqual({
        commentId: posted[0]?.id,
        auditId: posted[0]?.auditId,
        replayed: true,
      });
      expect(strict.requests.map((r) => `${r.method} ${r.path.split('/').at(-1)}`)).toEqual([
        `PUT ${seeded.id}.json`,
        'GET audits.json',
      ]);
    });

    it('does the same after a dropped connection', async () => {
      const seeded = strict.seedTicket();
      const { client } = clientFor(strict);
      strict.dropNextAfterCommit(1, PUT);

      const result = await client.addComment(
        seeded.id,
        { body: 'Dropped but delivered.', public: false },
        { idempotencyKey: 'draft-9' },
      );

      expect(result.replayed).toBe(true);
      expect(
        strict.ticket(seeded.id).comments.filter((c) => c.body === 'Dropped but delivered.'),
      ).toHaveLength(1);
    });

    it('resends when the uncertain attempt did not land', async () => {
      const seeded = strict.seedTicket();
      const { client } = clientFor(strict);
      strict.failNext(1, { status: 503 }, PUT);

      const result = await client.addComment(
        seeded.id,
        { body: 'Second try lands.', public: true },
        { idempotencyKey: 'draft-10' },
      );

      expect(result.replayed).toBe(false);
      expect(
        strict.ticket(seeded.id).comments.filter((c) => c.body === 'Second try lands.'),
      ).toHaveLength(1);
    });

    it('lets a retried delivery job look the key up before posting', async () => {
      const seeded = strict.seedTicket();
      const { client } = clientFor(strict, { retry: { maxRetries: 0 } });
      strict.dropNextAfterCommit(1, PUT);
      const reply = { body: 'Job retry must not duplicate.', public: true };

      await expect(
        client.addComment(seeded.id, reply, { idempotencyKey: 'draft-11' }),
      ).rejects.toBeInstanceOf(ZendeskNetworkError);
      const retry = await client.addComment(seeded.id, reply, {
        idempotencyKey: 'draft-11',
        lookupExisting: true,
      });

      expect(retry.replayed).toBe(true);
      expect(strict.ticket(seeded.id).comments.filter((c) => c.body === reply.body)).toHaveLength(
        1,
      );
    });
  });
});
