import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../../src/auth/api-keys.js';
import {
  getDeliveryForDraft,
  getDraft,
  insertDraft,
  latestDraftForTicket,
  transitionDraft,
} from '../../../src/db/queries/drafts.js';
import { getTicket } from '../../../src/db/queries/tickets.js';
import { rowsOf } from '../../../src/db/rows.js';
import { processDeliver } from '../../../src/queue/processors/deliver.js';
import { processDraft } from '../../../src/queue/processors/draft.js';
import {
  apiRequest,
  fileTestMailApp,
  PASSWORD_QUESTION,
  runPendingDeliveries,
  seedDraftedTicket,
} from '../../support/fixtures.js';
import { parseReceived } from '../../support/smtp-server.js';
import { seedEmailTicket } from '../../support/tickets.js';

/**
 * A reply written by hand gets the same undo window as an approved draft (SEND_DELAY_SECONDS,
 * held in the outbox in Postgres), the same Undo API, and retires the ticket's Deskpilot draft so
 * the customer never gets both — against real Postgres and an SMTP server.
 */
const { deps, app, smtp } = await fileTestMailApp({ SEND_DELAY_SECONDS: '30' }, { sampleKb: true });
let key: string;
const job = { attemptsMade: 0, opts: { attempts: 1 }, updateData: async () => {} } as never;

interface ReplyAnswer {
  draft: { id: string; status: string; version?: number };
  deliveryState: string | null;
  sendAfter: string | null;
}

const call = (method: string, url: string, body?: unknown, headers: Record<string, string> = {}) =>
  apiRequest(app, key, method, url, body, headers);

const reply = (ticketId: string, text: string) =>
  call('POST', `/api/tickets/${ticketId}/replies`, { text }, { 'idempotency-key': randomUUID() });

const errorOf = async (res: Response) =>
  ((await res.json()) as { error: { message: string } }).error.message;

/** A ticket with a pending Deskpilot draft, written by the real triage and draft steps. */
const pendingDraft = (from: string) => seedDraftedTicket(deps, { ...PASSWORD_QUESTION, from });

/** What the workers do once every undo window has ended: each pending `deliver` row, once. */
const windowsEndAndWorkersRun = () => runPendingDeliveries(deps);

const mailTo = (address: string) =>
  smtp.received.filter((m) => m.envelope.rcptTo.includes(address));

beforeAll(async () => {
  key = (await createApiKey(deps.db, { name: 'agent', role: 'agent' })).key;
});

describe('a reply written by hand: undo window', () => {
  it('waits out SEND_DELAY_SECONDS in the outbox; Undo takes it back, nothing is sent, the ticket needs a human again', async () => {
    const { ticketId, messageId } = await seedEmailTicket(deps.db, {
      from: 'manual-undo@example.net',
      subject: 'Charged twice',
      body: 'You charged my card twice.',
    });
    // A rejected draft: the ticket needs a human reply.
    const rejected = await insertDraft(deps.db, {
      ticketId,
      kind: 'extractive',
      bodyText: 'x',
      model: 't',
    });
    await transitionDraft(
      deps.db,
      rejected.id,
      { status: 'pending_approval' },
      { status: 'rejected' },
    );
    expect((await getTicket(deps.db, ticketId))?.draftState).toBe('rejected');

    const res = await reply(ticketId, 'Sorry — the second charge is refunded today.');
    expect(res.status).toBe(201);
    const body = (await res.json()) as ReplyAnswer;
    expect(body.deliveryState).toBe('pending');
    const wait = new Date(body.sendAfter!).getTime() - Date.now();
    expect(wait).toBeGreaterThan(25_000);
    expect(wait).toBeLessThanOrEqual(30_000);
    // The deliver job is in the outbox, not yet due: no relay hands it to Redis before then.
    const delivery = (await getDeliveryForDraft(deps.db, body.draft.id))!;
    const due = rowsOf<{ id: number }>(
      await deps.db.execute(sql`select id from outbox where job_name = 'deliver'
        and payload ->> 'deliveryId' = ${delivery.id} and available_at <= now()`),
    );
    expect(due).toEqual([]);
    expect((await getTicket(deps.db, ticketId))?.draftState).toBe('sending');

    const undone = await call('POST', `/api/drafts/${body.draft.id}/undo`);
    expect(undone.status, await undone.clone().text()).toBe(200);
    expect(((await undone.json()) as ReplyAnswer).draft.status).toBe('withdrawn');
    expect(await getDeliveryForDraft(deps.db, body.draft.id)).toBeFalsy();
    // A job a relay had already handed over finds nothing to send.
    await expect(processDeliver(deps, { deliveryId: delivery.id }, job)).resolves.toEqual({
      state: 'undone',
    });
    await windowsEndAndWorkersRun();
    expect(mailTo('manual-undo@example.net')).toHaveLength(0);
    // Back in "Needs a human reply", as before the reply.
    expect((await getTicket(deps.db, ticketId))?.draftState).toBe('rejected');
    const again = await call('POST', `/api/drafts/${body.draft.id}/undo`);
    expect(again.status).toBe(409);
    expect(await errorOf(again)).toContain('Nothing to undo');

    // Written again and left alone: it goes once the window ends, threaded as before.
    expect((await reply(ticketId, 'Refunded — sorry for the trouble.')).status).toBe(201);
    expect(await windowsEndAndWorkersRun()).toBe(1);
    expect(await windowsEndAndWorkersRun()).toBe(0);
    expect(mailTo('manual-undo@example.net')).toHaveLength(1);
    const sent = await parseReceived(mailTo('manual-undo@example.net')[0]!);
    expect(sent.inReplyTo).toBe(`<${messageId}>`);
    expect(sent.text).toContain('Refunded — sorry for the trouble.');
    expect((await getTicket(deps.db, ticketId))?.draftState).toBe('answered');
  });

  it('too late: an undo after the send started says so and the reply stands', async () => {
    const { ticketId } = await seedEmailTicket(deps.db, { from: 'manual-late@example.net' });
    const body = (await (await reply(ticketId, 'Here is how to reset it.')).json()) as ReplyAnswer;
    await deps.db.execute(
      sql`update deliveries set state = 'sending' where draft_id = ${body.draft.id}`,
    );
    const late = await call('POST', `/api/drafts/${body.draft.id}/undo`);
    expect(late.status).toBe(409);
    expect(await errorOf(late)).toBe('Too late to undo: the reply is being sent right now.');
    expect((await getDraft(deps.db, body.draft.id))?.status).toBe('approved');
  });
});

describe('a reply written by hand retires the pending Deskpilot draft', () => {
  it('a draft pending approval is superseded: approving it afterwards is refused; undoing the reply brings it back', async () => {
    const { ticketId, draftId } = await pendingDraft('race-pending@example.net');
    expect((await reply(ticketId, 'I reset it for you.')).status).toBe(201);
    expect((await getDraft(deps.db, draftId))?.status).toBe('superseded');
    const approve = await call('POST', `/api/drafts/${draftId}/approve`);
    expect(approve.status).toBe(409);
    expect(await getDeliveryForDraft(deps.db, draftId)).toBeFalsy();

    // Undo the hand-written reply: the ticket is back where it was, its draft awaiting approval.
    const [manual] = rowsOf<{ id: string }>(
      await deps.db.execute(
        sql`select id from drafts where ticket_id = ${ticketId} and kind = 'manual'`,
      ),
    );
    const manualId = manual!.id;
    expect((await call('POST', `/api/drafts/${manualId}/undo`)).status).toBe(200);
    expect((await getDraft(deps.db, draftId))?.status).toBe('pending_approval');
    expect((await getTicket(deps.db, ticketId))?.draftState).toBe('pending');
    // …and it can be approved and sent, once.
    expect((await call('POST', `/api/drafts/${draftId}/approve`)).status).toBe(200);
    await windowsEndAndWorkersRun();
    expect(mailTo('race-pending@example.net')).toHaveLength(1);
  });

  it('the draft an undone reply brought back can be regenerated: the new version is written', async () => {
    const { ticketId, draftId } = await pendingDraft('regen-after-undo@example.net');
    const sent = (await (await reply(ticketId, 'I reset it for you.')).json()) as ReplyAnswer;
    expect((await call('POST', `/api/drafts/${sent.draft.id}/undo`)).status).toBe(200);
    expect((await getDraft(deps.db, draftId))?.status).toBe('pending_approval');

    const asked = await call('POST', `/api/drafts/${draftId}/regenerate`, {
      instructions: 'shorter',
    });
    expect(asked.status, await asked.clone().text()).toBe(202);
    // The withdrawn reply is newer than the draft, but it is not the regenerate job's result.
    const outcome = await processDraft(deps, { ticketId, regenerateOf: draftId }, job);
    expect(outcome).toMatchObject({ status: 'drafted' });
    const newest = await latestDraftForTicket(deps.db, ticketId);
    expect(newest).toMatchObject({ status: 'pending_approval', kind: 'extractive' });
    expect(newest!.version).toBeGreaterThan(sent.draft.version ?? 0);
    expect((await getTicket(deps.db, ticketId))?.draftState).toBe('pending');
  });

  it('an approved draft still inside its undo window loses its delivery: only the hand-written reply is sent', async () => {
    const { ticketId, draftId } = await pendingDraft('race-window@example.net');
    expect((await call('POST', `/api/drafts/${draftId}/approve`)).status).toBe(200);
    const aiDelivery = (await getDeliveryForDraft(deps.db, draftId))!;
    expect(aiDelivery.state).toBe('pending');

    expect((await reply(ticketId, 'Written by hand instead.')).status).toBe(201);
    expect((await getDraft(deps.db, draftId))?.status).toBe('superseded');
    expect(await getDeliveryForDraft(deps.db, draftId)).toBeFalsy();
    // A deliver job for it that a relay already handed to Redis sends nothing.
    await expect(processDeliver(deps, { deliveryId: aiDelivery.id }, job)).resolves.toEqual({
      state: 'undone',
    });
    expect(await windowsEndAndWorkersRun()).toBe(1);
    const mail = mailTo('race-window@example.net');
    expect(mail).toHaveLength(1);
    expect((await parseReceived(mail[0]!)).text).toContain('Written by hand instead.');
  });

  it('an approved draft already being sent: the hand-written reply is refused and nothing of it exists', async () => {
    const { ticketId, draftId } = await pendingDraft('race-sending@example.net');
    expect((await call('POST', `/api/drafts/${draftId}/approve`)).status).toBe(200);
    await deps.db.execute(sql`update deliveries set state = 'sending' where draft_id = ${draftId}`);
    const refused = await reply(ticketId, 'Too late for this one.');
    expect(refused.status).toBe(409);
    expect(await errorOf(refused)).toContain('no longer waiting — sending');
    const manual = rowsOf<{ n: number }>(
      await deps.db.execute(
        sql`select count(*)::int as n from drafts where ticket_id = ${ticketId} and kind = 'manual'`,
      ),
    );
    expect(manual[0]!.n).toBe(0);
    expect((await getDraft(deps.db, draftId))?.status).toBe('approved');
  });

  it('approve and a hand-written reply at the same moment: the customer gets exactly one of them', async () => {
    for (let round = 0; round < 6; round++) {
      const address = `race-both-${round}@example.net`;
      const { ticketId, draftId } = await pendingDraft(address);
      const [approved, written] = await Promise.all([
        call('POST', `/api/drafts/${draftId}/approve`),
        reply(ticketId, `Written by hand, round ${round}.`),
      ]);
      // Either the reply retired an approval still in its window, or it superseded the draft
      // before the approval (which is then refused). Both requests may succeed; never both sends.
      expect([200, 409]).toContain(approved.status);
      expect(written.status).toBe(201);
      const live = rowsOf<{ n: number }>(
        await deps.db.execute(
          sql`select count(*)::int as n from deliveries where ticket_id = ${ticketId}`,
        ),
      );
      expect(live[0]!.n).toBe(1);
      await windowsEndAndWorkersRun();
      const mail = mailTo(address);
      expect(mail).toHaveLength(1);
      expect((await parseReceived(mail[0]!)).text).toContain(`Written by hand, round ${round}.`);
    }
  });
});
