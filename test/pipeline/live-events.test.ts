import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { createApiKey } from '../../src/auth/api-keys.js';
import { createUser } from '../../src/auth/users.js';
import { getDeliveryForDraft } from '../../src/db/queries/drafts.js';
import type { LiveEvent } from '../../src/live/events.js';
import { type OutboxRelay, startOutboxRelay } from '../../src/queue/outbox-relay.js';
import { startWorkers, type WorkerPool } from '../../src/queue/workers.js';
import { createTestDeps, type TestDeps } from '../support/deps.js';
import { seedPendingDraft } from '../support/drafts.js';
import { importSampleKb } from '../support/fixtures.js';
import { waitFor } from '../support/redis-server.js';
import { signInOverHttp } from '../support/sign-in.js';
import { TestSmtpServer } from '../support/smtp-server.js';

/**
 * Every state change reaches the live event stream (what open inbox pages listen to), whichever
 * door it came through: an inbox form, the API, or a job. The steps publish after their commit
 * themselves; no route or processor does it for them. Real Redis pub/sub, real workers.
 */
let smtp: TestSmtpServer;
let deps: TestDeps;
let relay: OutboxRelay;
let workers: WorkerPool;
let app: ReturnType<typeof createApp>;
let apiKey: string;
let session: { cookie: string; csrf: string };
let wakes = 0;
const events: LiveEvent[] = [];

beforeAll(async () => {
  smtp = await TestSmtpServer.start();
  deps = await createTestDeps({ SMTP_URL: `${smtp.url()}?pool=false` });
  await importSampleKb(deps);
  relay = startOutboxRelay(deps.db, deps.queues, { pollMs: 60_000, log: deps.log });
  // A long poll: jobs only move quickly when a commit wakes the relay.
  deps.notifyOutbox = () => {
    wakes++;
    relay.kick();
  };
  // Triage is left out: seeded tickets stay as seeded.
  workers = startWorkers(deps, { only: ['draft', 'deliver', 'sla'] });
  app = createApp(deps);
  apiKey = (await createApiKey(deps.db, { name: 'agent', role: 'agent', teamId: null })).key;
  const password = 'a long enough password';
  await createUser(deps.db, {
    email: 'ana@example.com',
    name: 'Ana',
    role: 'agent',
    password,
    teamId: null,
  });
  session = await signInOverHttp(app, deps.db, 'ana@example.com', password);

  deps.live.subscribe((event) => events.push(event));
  // The subscription opens asynchronously: probe until an event makes the round trip.
  const probe = randomUUID();
  await waitFor(
    async () => {
      await deps.live.publish({ type: 'delivery.changed', deliveryId: probe, state: 'probe' });
      return events.some((e) => e.type === 'delivery.changed' && e.deliveryId === probe) || null;
    },
    { what: 'live subscription', timeoutMs: 10_000 },
  );
}, 120_000);
afterAll(async () => {
  await workers.close();
  await relay.stop();
  await deps.cleanup();
  await smtp.close();
});
beforeEach(() => {
  events.length = 0;
});

const api = (method: string, url: string, body?: unknown) =>
  app.request(url, {
    method,
    headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
const form = (url: string, fields: Record<string, string>) =>
  app.request(url, {
    method: 'POST',
    headers: { cookie: session.cookie, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ _csrf: session.csrf, back: '/app', ...fields }).toString(),
  });

function seen(match: Partial<Record<string, string>>, what: string) {
  return waitFor(
    async () =>
      events.find((e) =>
        Object.entries(match).every(([k, v]) => (e as Record<string, unknown>)[k] === v),
      ) ?? null,
    { what, timeoutMs: 20_000 },
  );
}

type Door = 'api' | 'ui';
const approve = (door: Door, draftId: string, text?: string) =>
  door === 'api'
    ? text
      ? api('POST', `/api/drafts/${draftId}/edit`, { text })
      : api('POST', `/api/drafts/${draftId}/approve`)
    : form(`/app/drafts/${draftId}/approve`, {
        text: text ?? 'You can reset your password from the sign-in page.',
      });
const reject = (door: Door, draftId: string) =>
  door === 'api'
    ? api('POST', `/api/drafts/${draftId}/reject`, { reason: 'wrong answer' })
    : form(`/app/drafts/${draftId}/reject`, { reason: 'wrong answer' });
const regenerate = (door: Door, draftId: string) =>
  door === 'api'
    ? api('POST', `/api/drafts/${draftId}/regenerate`, { instructions: 'shorter' })
    : form(`/app/drafts/${draftId}/regenerate`, { instructions: 'shorter' });

describe.each(['api', 'ui'] as const)('live events through the %s', (door) => {
  it('approving publishes the decision, wakes the relay, and the deliver job publishes the send', async () => {
    const { ticketId, draft } = await seedPendingDraft(deps.db, { team: null });
    const before = wakes;
    const res = await approve(door, draft.id);
    expect(res.status).toBeLessThan(400);
    await seen(
      { type: 'draft.decided', draftId: draft.id, ticketId, status: 'approved' },
      'draft.decided',
    );
    expect(wakes).toBeGreaterThan(before);
    const delivery = await getDeliveryForDraft(deps.db, draft.id);
    await seen({ type: 'delivery.changed', deliveryId: delivery!.id, state: 'sent' }, 'sent');
  });

  it('an edited approval is a decision too', async () => {
    const { draft } = await seedPendingDraft(deps.db, { team: null });
    expect((await approve(door, draft.id, 'Reset it from the sign-in page.')).status).toBeLessThan(
      400,
    );
    await seen({ type: 'draft.decided', draftId: draft.id, status: 'approved' }, 'edit');
  });

  it('rejecting publishes the decision', async () => {
    const { draft } = await seedPendingDraft(deps.db, { team: null });
    expect((await reject(door, draft.id)).status).toBeLessThan(400);
    await seen({ type: 'draft.decided', draftId: draft.id, status: 'rejected' }, 'rejected');
  });

  it('regenerating publishes the superseded draft, then the draft job publishes the new one', async () => {
    const { ticketId, draft } = await seedPendingDraft(deps.db, { team: null });
    expect((await regenerate(door, draft.id)).status).toBeLessThan(400);
    await seen({ type: 'draft.decided', draftId: draft.id, status: 'superseded' }, 'superseded');
    const created = await seen({ type: 'draft.created', ticketId }, 'draft.created');
    expect(created.type === 'draft.created' && created.draftId).not.toBe(draft.id);
  });
});

describe('live events of deliveries', () => {
  it('a retried delivery (inbox) publishes its return to pending, then the send', async () => {
    const { draft } = await seedPendingDraft(deps.db, { team: null });
    await approve('api', draft.id);
    const delivery = (await getDeliveryForDraft(deps.db, draft.id))!;
    await seen({ type: 'delivery.changed', deliveryId: delivery.id, state: 'sent' }, 'first send');
    // As if the send had failed for good.
    await deps.db.execute(
      sql`update deliveries set state = 'failed', last_error = 'test' where id = ${delivery.id}`,
    );
    await deps.db.execute(sql`update drafts set status = 'delivery_failed' where id = ${draft.id}`);
    events.length = 0;
    const res = await form(`/app/deliveries/${delivery.id}/retry`, {});
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toContain('notice=retried');
    await seen({ type: 'delivery.changed', deliveryId: delivery.id, state: 'pending' }, 'pending');
    await seen({ type: 'delivery.changed', deliveryId: delivery.id, state: 'sent' }, 'resent');
  });
});
