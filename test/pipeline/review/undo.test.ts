import { eq, sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../../src/auth/api-keys.js';
import { getDeliveryForDraft, getDraft } from '../../../src/db/queries/drafts.js';
import { claimPendingOutbox } from '../../../src/db/queries/outbox.js';
import { outbox } from '../../../src/db/schema/outbox.js';
import { triageTicket } from '../../../src/pipeline/triage/triage.js';
import { processDeliver } from '../../../src/queue/processors/deliver.js';
import { processDraft } from '../../../src/queue/processors/draft.js';
import { apiRequest, fileTestMailApp } from '../../support/fixtures.js';
import { seedEmailTicket } from '../../support/tickets.js';

/**
 * The undo window through the API, against real Postgres and an SMTP server: the approval's
 * answer says when the reply goes, the deliver job waits in the outbox (durable, so a restart
 * changes nothing), Undo wins while the delivery is pending and loses — saying so — once the
 * worker has started or finished the send.
 */
const { deps, app, smtp } = await fileTestMailApp({ SEND_DELAY_SECONDS: '30' }, { sampleKb: true });
let key: string;
const job = { attemptsMade: 0, opts: { attempts: 1 } } as never;

const call = (method: string, url: string) => apiRequest(app, key, method, url);

async function pendingDraft(from: string): Promise<string> {
  const { ticketId } = await seedEmailTicket(deps.db, {
    from,
    subject: 'Forgot my password',
    body: 'I cannot log in, how do I reset my password?',
  });
  await triageTicket(deps, { ticketId });
  return ((await processDraft(deps, { ticketId }, {} as never)) as { draftId: string }).draftId;
}

beforeAll(async () => {
  key = (await createApiKey(deps.db, { name: 'agent', role: 'agent' })).key;
});

describe('undo window (API)', () => {
  it('an API approval waits out the window in the outbox; undo takes it back and nothing is sent', async () => {
    const draftId = await pendingDraft('api-undo@example.net');
    const approved = await call('POST', `/api/drafts/${draftId}/approve`);
    expect(approved.status).toBe(200);
    const body = (await approved.json()) as {
      delivery: { state: string; sendAfter: string; status: string };
    };
    expect(body.delivery.state).toBe('pending');
    const wait = new Date(body.delivery.sendAfter).getTime() - Date.now();
    expect(wait).toBeGreaterThan(25_000);
    expect(wait).toBeLessThanOrEqual(30_000);
    // The deliver job is not due: a relay (this process or one started after a restart) finds
    // nothing to hand to Redis until the window ends.
    const delivery = (await getDeliveryForDraft(deps.db, draftId))!;
    const due = await deps.db.transaction((tx) => claimPendingOutbox(tx as never, 100));
    expect(due.filter((r) => r.payload.deliveryId === delivery.id)).toEqual([]);

    const undone = await call('POST', `/api/drafts/${draftId}/undo`);
    expect(undone.status, await undone.clone().text()).toBe(200);
    expect((await getDraft(deps.db, draftId))?.status).toBe('pending_approval');
    expect(await getDeliveryForDraft(deps.db, draftId)).toBeFalsy();
    const rows = await deps.db.select().from(outbox).where(eq(outbox.jobName, 'deliver'));
    expect(rows.filter((r) => r.payload.deliveryId === delivery.id)).toEqual([]);
    // A job relayed before the undo finds nothing to send.
    await expect(processDeliver(deps, { deliveryId: delivery.id }, job)).resolves.toEqual({
      state: 'undone',
    });
    expect(smtp.received).toHaveLength(0);
    // Nothing left to undo now.
    const again = await call('POST', `/api/drafts/${draftId}/undo`);
    expect(again.status).toBe(409);
    expect(((await again.json()) as { error: { message: string } }).error.message).toContain(
      'Nothing to undo',
    );
  });

  it('the window survives a restart: the outbox row becomes due when it ends, and is sent once', async () => {
    const draftId = await pendingDraft('restart@example.net');
    expect((await call('POST', `/api/drafts/${draftId}/approve`)).status).toBe(200);
    const delivery = (await getDeliveryForDraft(deps.db, draftId))!;
    // Time passes (as it would while every process is down): the row's moment comes.
    await deps.db.execute(
      sql`update outbox set available_at = now() - interval '1 second' where payload ->> 'deliveryId' = ${delivery.id}`,
    );
    const due = await deps.db.transaction((tx) => claimPendingOutbox(tx as never, 100));
    expect(due.filter((r) => r.payload.deliveryId === delivery.id)).toHaveLength(1);
    await processDeliver(deps, { deliveryId: delivery.id }, job);
    expect(
      smtp.received.filter((m) => m.envelope.rcptTo.includes('restart@example.net')),
    ).toHaveLength(1);
  });

  it('an undo that loses the race says whether the reply is being sent or was sent', async () => {
    const draftId = await pendingDraft('race@example.net');
    expect((await call('POST', `/api/drafts/${draftId}/approve`)).status).toBe(200);
    const delivery = (await getDeliveryForDraft(deps.db, draftId))!;
    // The worker moved the delivery to `sending` first (the compare-and-set undo competes with).
    await deps.db.execute(sql`update deliveries set state = 'sending' where id = ${delivery.id}`);
    const sending = await call('POST', `/api/drafts/${draftId}/undo`);
    expect(sending.status).toBe(409);
    expect(((await sending.json()) as { error: { message: string } }).error.message).toBe(
      'Too late to undo: the reply is being sent right now.',
    );
    expect((await getDraft(deps.db, draftId))?.status).toBe('approved');

    await deps.db.execute(sql`update deliveries set state = 'sent' where id = ${delivery.id}`);
    const sent = await call('POST', `/api/drafts/${draftId}/undo`);
    expect(((await sent.json()) as { error: { message: string } }).error.message).toBe(
      'Too late to undo: the reply was already sent.',
    );
  });
});
