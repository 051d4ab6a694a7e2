import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.js';
import { createApiKey } from '../../src/auth/api-keys.js';
import { createUser } from '../../src/auth/users.js';
import { getDeliveryForDraft, insertDraft } from '../../src/db/queries/drafts.js';
import { autoSendPolicies } from '../../src/db/schema/drafts.js';
import { acceptDelivery } from '../../src/ingest/intake.js';
import type { InboundDelivery } from '../../src/ingest/types.js';
import type { LiveEvent } from '../../src/live/events.js';
import { maybeAutoSend } from '../../src/pipeline/review/auto-send.js';
import { checkDraftSla } from '../../src/pipeline/review/sla.js';
import { autoSolveWaitingTickets } from '../../src/pipeline/review/sla-solve.js';
import { type OutboxRelay, startOutboxRelay } from '../../src/queue/outbox-relay.js';
import { processTriage } from '../../src/queue/processors/triage.js';
import { startWorkers, type WorkerPool } from '../../src/queue/workers.js';
import { createTestDeps, type TestDeps } from '../support/deps.js';
import { seedPendingDraft } from '../support/drafts.js';
import { importSampleKb } from '../support/fixtures.js';
import { waitFor } from '../support/redis-server.js';
import { signInOverHttp } from '../support/sign-in.js';
import { TestSmtpServer } from '../support/smtp-server.js';
import { seedEmailTicket } from '../support/tickets.js';

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

const api = (method: string, url: string, body?: unknown, headers: Record<string, string> = {}) =>
  app.request(url, {
    method,
    headers: {
      authorization: `Bearer ${apiKey}`,
      'content-type': 'application/json',
      ...headers,
    },
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

/** A Zendesk webhook delivery about the ticket `externalId`. */
const zendesk = (externalId: string, over: Partial<InboundDelivery>): InboundDelivery => ({
  source: 'zendesk',
  dedupeKey: randomUUID(),
  eventType: 'zendesk.test',
  signature: { scheme: 'zendesk-hmac' },
  ticket: { externalId, subject: 'Where is my refund?', channel: 'web' },
  ...over,
});

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

const undo = (door: Door, draftId: string) =>
  door === 'api'
    ? api('POST', `/api/drafts/${draftId}/undo`)
    : form(`/app/drafts/${draftId}/undo`, {});
const reply = (door: Door, ticketId: string, text: string) =>
  door === 'api'
    ? api('POST', `/api/tickets/${ticketId}/replies`, { text }, { 'idempotency-key': randomUUID() })
    : form(`/app/tickets/${ticketId}/replies`, { text, idempotencyKey: randomUUID() });
const solve = (door: Door, ticketId: string) =>
  door === 'api'
    ? api('POST', `/api/tickets/${ticketId}/solve`)
    : form(`/app/tickets/${ticketId}/solve`, {});
const correctTriage = (door: Door, ticketId: string) =>
  door === 'api'
    ? api('POST', `/api/tickets/${ticketId}/triage`, { priority: 'high' })
    : form(`/app/tickets/${ticketId}/triage`, { category: 'billing', priority: 'high' });

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

  it('undoing an approval publishes the draft back in the queue', async () => {
    const { ticketId, draft } = await seedPendingDraft(deps.db, { team: null });
    // Approved through the same door with an undo window, so the deliver job does not send it
    // first (the approver is the one who may undo).
    const delay = deps.config.SEND_DELAY_SECONDS;
    deps.config.SEND_DELAY_SECONDS = 600;
    try {
      expect((await approve(door, draft.id)).status).toBeLessThan(400);
    } finally {
      deps.config.SEND_DELAY_SECONDS = delay;
    }
    events.length = 0;
    expect((await undo(door, draft.id)).status).toBeLessThan(400);
    await seen(
      { type: 'draft.decided', draftId: draft.id, ticketId, status: 'pending_approval' },
      'undone',
    );
  });

  it('a reply written by hand publishes the drafts it retired, itself, then the send', async () => {
    const { ticketId, draft } = await seedPendingDraft(deps.db, { team: null });
    expect((await reply(door, ticketId, 'Written by hand.')).status).toBeLessThan(400);
    await seen({ type: 'draft.decided', draftId: draft.id, status: 'superseded' }, 'retired');
    const decided = await seen({ type: 'draft.decided', ticketId, status: 'approved' }, 'reply');
    const delivery = await getDeliveryForDraft(deps.db, (decided as { draftId: string }).draftId);
    await seen({ type: 'delivery.changed', deliveryId: delivery!.id, state: 'sent' }, 'sent');
  });

  it('solving publishes the ticket change', async () => {
    const { ticketId } = await seedPendingDraft(deps.db, { team: null });
    expect((await solve(door, ticketId)).status).toBeLessThan(400);
    await seen({ type: 'ticket.changed', ticketId, change: 'solved' }, 'solved');
  });

  it('correcting the triage publishes the ticket change', async () => {
    const { ticketId } = await seedPendingDraft(deps.db, { team: null });
    expect((await correctTriage(door, ticketId)).status).toBeLessThan(400);
    await seen({ type: 'ticket.changed', ticketId, change: 'triage_corrected' }, 'corrected');
  });
});

describe('live events of steps with one door', () => {
  it('claiming (API) publishes the change', async () => {
    const { ticketId, draft } = await seedPendingDraft(deps.db, { team: null });
    expect((await api('POST', `/api/drafts/${draft.id}/claim`)).status).toBe(200);
    await seen({ type: 'draft.changed', draftId: draft.id, ticketId, change: 'claimed' }, 'claim');
  });

  it('saving an edit without sending it (inbox) publishes the change', async () => {
    const { ticketId, draft } = await seedPendingDraft(deps.db, { team: null });
    const res = await form(`/app/drafts/${draft.id}/save`, {
      text: 'A better answer.',
      lockVersion: String(draft.lockVersion),
    });
    expect(res.headers.get('location')).toContain('notice=saved');
    await seen({ type: 'draft.changed', draftId: draft.id, ticketId, change: 'saved' }, 'save');
  });

  it('an internal note (ticket page) publishes the ticket change', async () => {
    const { ticketId } = await seedPendingDraft(deps.db, { team: null });
    const res = await form(`/app/tickets/${ticketId}/notes`, {
      text: 'Called them; refund agreed.',
    });
    expect(res.headers.get('location')).toContain('notice=noted');
    await seen({ type: 'ticket.changed', ticketId, change: 'noted' }, 'noted');
  });

  it('auto-send (the draft job’s policy step) publishes the decision, then the send', async () => {
    const { ticketId, draft } = await seedPendingDraft(deps.db, { team: null });
    await deps.db.insert(autoSendPolicies).values({
      category: 'billing',
      enabled: true,
      minConfidence: 0,
      minUnchangedRate: 0,
      minSample: 0,
    });
    try {
      expect(await maybeAutoSend(deps, { ...draft, confidence: 1 })).toBe(true);
    } finally {
      await deps.db.delete(autoSendPolicies);
    }
    await seen({ type: 'draft.decided', draftId: draft.id, ticketId, status: 'approved' }, 'auto');
    const delivery = await getDeliveryForDraft(deps.db, draft.id);
    await seen({ type: 'delivery.changed', deliveryId: delivery!.id, state: 'sent' }, 'sent');
  });

  it('the SLA job publishes a draft past its due time, and a draft it retires', async () => {
    const late = await seedPendingDraft(deps.db, { team: null });
    await deps.db.execute(
      sql`update drafts set sla_due_at = now() - interval '1 minute' where id = ${late.draft.id}`,
    );
    expect((await checkDraftSla(deps, late.draft.id)).overdue).toBe(true);
    await seen({ type: 'draft.changed', draftId: late.draft.id, change: 'overdue' }, 'overdue');

    // Answered another way (here: solved without the solve step): retired, not overdue.
    const answered = await seedPendingDraft(deps.db, { team: null });
    await deps.db.execute(
      sql`update tickets set status = 'solved' where id = ${answered.ticketId}`,
    );
    await deps.db.execute(
      sql`update drafts set sla_due_at = now() - interval '1 minute' where id = ${answered.draft.id}`,
    );
    expect(await checkDraftSla(deps, answered.draft.id)).toEqual({ overdue: false, retired: true });
    await seen(
      { type: 'draft.decided', draftId: answered.draft.id, status: 'retired' },
      'retired by the SLA job',
    );
  });

  it('the auto-solve job publishes each ticket it solves', async () => {
    const { ticketId } = await seedEmailTicket(deps.db, { subject: 'Thanks, all good' });
    // The customer wrote 20 days ago, our reply went out 10 days ago, nothing since.
    await deps.db.execute(sql`update messages set created_at = now() - interval '20 days'
      where ticket_id = ${ticketId}`);
    await deps.db.execute(sql`insert into messages (ticket_id, direction, author_kind, body_text,
        public, created_at) values (${ticketId}, 'outbound', 'agent', 'Here you go.', true,
        now() - interval '10 days')`);
    await deps.db.execute(sql`update tickets set status = 'pending' where id = ${ticketId}`);
    expect(await autoSolveWaitingTickets(deps.db, { days: 3, live: deps.live })).toBeGreaterThan(0);
    await seen({ type: 'ticket.changed', ticketId, change: 'solved' }, 'auto-solved');
  });

  it('intake publishes the drafts a helpdesk answer or solve retired', async () => {
    for (const [how, over] of [
      [
        'answered',
        {
          message: {
            authorKind: 'agent',
            authorEmail: 'agent@example.com',
            bodyText: 'Refunded in Zendesk.',
            public: true,
          },
        },
      ],
      ['solved', { statusChange: { status: 'solved' } }],
    ] as const) {
      const externalId = `Z-${randomUUID()}`;
      const created = await acceptDelivery(
        deps.db,
        zendesk(externalId, {
          message: { authorKind: 'customer', authorEmail: 'c@example.net', bodyText: 'Refund?' },
        }),
        { live: deps.live },
      );
      const ticketId = (created as { ticketId: string }).ticketId;
      await insertDraft(deps.db, { ticketId, kind: 'extractive', bodyText: 'x', model: 'test' });
      await acceptDelivery(deps.db, zendesk(externalId, over), { live: deps.live });
      await seen({ type: 'ticket.changed', ticketId, change: how }, `${how} in the helpdesk`);
    }
  });

  it('intake publishes a new message on an existing ticket, and a status the helpdesk set', async () => {
    const externalId = `Z-${randomUUID()}`;
    const customer = (bodyText: string) =>
      zendesk(externalId, {
        message: { authorKind: 'customer', authorEmail: 'c@example.net', bodyText },
      });
    const created = await acceptDelivery(deps.db, customer('Refund?'), { live: deps.live });
    const ticketId = (created as { ticketId: string }).ticketId;
    // Pages with the ticket open show the customer's follow-up.
    await acceptDelivery(deps.db, customer('Any news?'), { live: deps.live });
    await seen({ type: 'ticket.changed', ticketId, change: 'message' }, 'follow-up');
    await acceptDelivery(deps.db, zendesk(externalId, { statusChange: { status: 'hold' } }), {
      live: deps.live,
    });
    await seen({ type: 'ticket.changed', ticketId, change: 'status' }, 'status in the helpdesk');
  });

  it('the triage job publishes the ticket change', async () => {
    const { ticketId } = await seedEmailTicket(deps.db, { subject: 'Where is my refund?' });
    // The job's processor as the triage worker calls it (no triage worker runs here: see above).
    expect(await processTriage(deps, { ticketId }, {} as never)).toBeTruthy();
    await seen({ type: 'ticket.changed', ticketId, change: 'triaged' }, 'triaged');
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
