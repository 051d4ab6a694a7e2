import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createApp } from '../../../src/app.js';
import { createApiKey } from '../../../src/auth/api-keys.js';
import { kbImport } from '../../../src/cli/commands/kb-import.js';
import { getDeliveryForDraft, latestDraftForTicket } from '../../../src/db/queries/drafts.js';
import { getTicket, listMessages, listTicketEvents } from '../../../src/db/queries/tickets.js';
import { type OutboxRelay, startOutboxRelay } from '../../../src/queue/outbox-relay.js';
import { startWorkers, type WorkerPool } from '../../../src/queue/workers.js';
import { createTestDeps, type TestDeps } from '../../support/deps.js';
import { FakeZendesk } from '../../support/fake-zendesk.js';
import { SAMPLE_KB } from '../../support/fixtures.js';
import { waitFor } from '../../support/redis-server.js';
import { parseReceived, TestSmtpServer } from '../../support/smtp-server.js';
import { signedZendeskRequest, zendeskTicketCreated } from '../../support/zendesk.js';

const samples = SAMPLE_KB;
const basic = { authorization: `Basic ${Buffer.from('inbound:s3cret-pass').toString('base64')}` };

let smtp: TestSmtpServer;
let zendesk: FakeZendesk;
let deps: TestDeps;
let relay: OutboxRelay;
let workers: WorkerPool;
let app: ReturnType<typeof createApp>;
let agentKey: string;

beforeAll(async () => {
  smtp = await TestSmtpServer.start();
  zendesk = await FakeZendesk.start();
  deps = await createTestDeps({
    SMTP_URL: smtp.url(),
    ...zendesk.config(),
    ZENDESK_WRITEBACK: 'false',
  });
  await kbImport(deps.db, samples);
  relay = startOutboxRelay(deps.db, deps.queues, { pollMs: 50, log: deps.log });
  deps.notifyOutbox = () => relay.kick();
  workers = startWorkers(deps);
  app = createApp(deps);
  agentKey = (await createApiKey(deps.db, { name: 'agent', role: 'agent' })).key;
});
afterAll(async () => {
  await workers.close();
  await relay.stop();
  await deps.cleanup();
  await smtp.close();
  await zendesk.close();
});
beforeEach(() => {
  smtp.received.length = 0;
});

const api = (method: string, url: string, body?: unknown, key = agentKey) =>
  app.request(url, {
    method,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: body === undefined ? undefined : JSON.stringify(body),
  });

async function emailTicket(messageId: string, subject: string, body: string) {
  const raw = `From: Robin Example <robin@example.net>\r\nTo: support@deskpilot.test\r\nSubject: ${subject}\r\nMessage-ID: <${messageId}>\r\nDate: Thu, 19 Nov 2026 10:00:00 +0000\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n${body}\r\n`;
  const res = await app.request('/webhooks/email/raw', {
    method: 'POST',
    headers: { 'content-type': 'message/rfc822', ...basic },
    body: raw,
  });
  expect(res.status).toBe(202);
  return ((await res.json()) as { ticketId: string }).ticketId;
}

const pendingDraft = (ticketId: string) =>
  waitFor(
    async () => {
      const d = await latestDraftForTicket(deps.db, ticketId);
      return d?.status === 'pending_approval' ? d : null;
    },
    { what: 'pending draft', timeoutMs: 30_000 },
  );

describe('email → triage → extractive draft → approve → one threaded email', () => {
  it('delivers exactly one correctly threaded reply, even when approve is clicked twice', async () => {
    const ticketId = await emailTicket(
      'q1@example.net',
      'Forgot my password',
      'I cannot log in, I forgot my password. How do I reset it?',
    );
    const draft = await pendingDraft(ticketId);
    expect(draft.kind).toBe('extractive');
    expect(draft.citations.length).toBeGreaterThan(0);
    expect(draft.citations[0]!.title).toBe('Reset your password');
    expect(draft.bodyText).toContain('[1]');
    expect(draft.bodyText).toMatch(/^Hi Robin,/);

    const list = (await (await api('GET', '/api/drafts')).json()) as { drafts: { id: string }[] };
    expect(list.drafts.map((d) => d.id)).toContain(draft.id);

    const [first, second] = await Promise.all([
      api('POST', `/api/drafts/${draft.id}/approve`, { lockVersion: draft.lockVersion }),
      api('POST', `/api/drafts/${draft.id}/approve`, { lockVersion: draft.lockVersion }),
    ]);
    expect([first.status, second.status].sort()).toEqual([200, 200]);
    await waitFor(async () => (await getDeliveryForDraft(deps.db, draft.id))?.state === 'sent', {
      what: 'sent',
      timeoutMs: 30_000,
    });
    await new Promise((r) => setTimeout(r, 500));
    expect(smtp.received).toHaveLength(1);

    const mail = await parseReceived(smtp.received[0]!);
    expect(mail.subject).toBe('Re: Forgot my password');
    expect(mail.inReplyTo).toBe('<q1@example.net>');
    expect(String(mail.references)).toContain('q1@example.net');
    const ticket = await getTicket(deps.db, ticketId);
    expect(mail.replyTo?.text).toContain(`support+${ticket!.replyToken}@deskpilot.test`);
    expect(mail.headers.get('auto-submitted')).toBeUndefined();
    expect(mail.text).toContain('Forgot password?');
    expect(ticket?.status).toBe('pending');
    const outbound = (await listMessages(deps.db, ticketId)).filter(
      (m) => m.direction === 'outbound',
    );
    expect(outbound).toHaveLength(1);
    expect(outbound[0]!.emailMessageId).toBe(mail.messageId?.replace(/[<>]/g, ''));
    const events = (await listTicketEvents(deps.db, ticketId)).map((e) => e.type);
    expect(events).toEqual(
      expect.arrayContaining(['created', 'triaged', 'drafted', 'approved', 'sent']),
    );
  });

  it('edit-and-approve stores the diff and distance; reject and regenerate work; a second agent is refused', async () => {
    const ticketId = await emailTicket(
      'q2@example.net',
      'Refund',
      'How long does a refund take to reach my card?',
    );
    const draft = await pendingDraft(ticketId);
    const otherKey = (await createApiKey(deps.db, { name: 'agent 2', role: 'agent' })).key;
    expect((await api('POST', `/api/drafts/${draft.id}/claim`)).status).toBe(200);
    const stolen = await api('POST', `/api/drafts/${draft.id}/approve`, {}, otherKey);
    expect(stolen.status).toBe(409);

    const regen = await api('POST', `/api/drafts/${draft.id}/regenerate`, {
      instructions: 'shorter please',
    });
    expect(regen.status).toBe(202);
    const v2 = await waitFor(
      async () => {
        const d = await latestDraftForTicket(deps.db, ticketId);
        return d && d.version === 2 ? d : null;
      },
      { what: 'version 2', timeoutMs: 30_000 },
    );
    expect(v2.instructions).toBe('shorter please');

    const text = `${v2.bodyText}\n\nP.S. We have also flagged your order.`;
    const edited = await api('POST', `/api/drafts/${v2.id}/edit`, {
      lockVersion: v2.lockVersion,
      text,
    });
    expect(edited.status).toBe(200);
    const body = (await edited.json()) as { draft: { status: string; finalText: string } };
    expect(body.draft.status).toBe('approved');
    const stored = await latestDraftForTicket(deps.db, ticketId);
    expect(stored?.editDistance).toBe(7);
    expect(stored?.editDiff).toContain('+P.S. We have also flagged your order.');
    await waitFor(async () => smtp.received.length === 1, {
      what: 'edited email',
      timeoutMs: 30_000,
    });
    expect((await parseReceived(smtp.received[0]!)).text).toContain(
      'P.S. We have also flagged your order.',
    );

    const t3 = await emailTicket('q3@example.net', 'Question', 'Can you cancel my subscription?');
    const d3 = await pendingDraft(t3);
    const rejected = await api('POST', `/api/drafts/${d3.id}/reject`, { reason: 'wrong article' });
    expect(rejected.status).toBe(200);
    expect((await api('POST', `/api/drafts/${d3.id}/approve`)).status).toBe(409);
  });

  it('says it has no answer instead of inventing one', async () => {
    const ticketId = await emailTicket(
      'q4@example.net',
      'Quantum',
      'Does your espresso machine support quantum entanglement brewing?',
    );
    const draft = await pendingDraft(ticketId);
    expect(draft.kind).toBe('no_answer');
    expect(draft.citations).toEqual([]);
    expect(draft.needsHuman).toBe(true);
  });

  it('never answers automated mail', async () => {
    const raw =
      'From: mailer-daemon@example.net\r\nTo: support@deskpilot.test\r\nSubject: Undeliverable: your reply\r\nMessage-ID: <bounce1@example.net>\r\nAuto-Submitted: auto-replied\r\n\r\nDelivery failed.\r\n';
    const res = await app.request('/webhooks/email/raw', {
      method: 'POST',
      headers: { 'content-type': 'message/rfc822', ...basic },
      body: raw,
    });
    const { ticketId } = (await res.json()) as { ticketId: string };
    await new Promise((r) => setTimeout(r, 1_000));
    expect(await latestDraftForTicket(deps.db, ticketId)).toBeNull();
  });
});

describe('Zendesk ticket → draft → approve → one public comment', () => {
  it('posts exactly one comment through the API', async () => {
    const remote = zendesk.seedTicket({ id: '555001' });
    const res = await app.request(
      '/webhooks/zendesk',
      signedZendeskRequest(
        zendeskTicketCreated(remote.id, {
          subject: 'Parcel late',
          description: 'My parcel is late, tracking has not changed for a week.',
        }),
      ),
    );
    const { ticketId } = (await res.json()) as { ticketId: string };
    const draft = await pendingDraft(ticketId);
    expect(draft.citations[0]?.title).toBe('Shipping and delivery');
    expect((await api('POST', `/api/drafts/${draft.id}/approve`)).status).toBe(200);
    await waitFor(async () => (await getDeliveryForDraft(deps.db, draft.id))?.state === 'sent', {
      what: 'zendesk sent',
      timeoutMs: 30_000,
    });
    const comments = zendesk
      .ticket(remote.id)
      .comments.filter((c) => c.public && c.body.includes('[1]'));
    expect(comments).toHaveLength(1);
  });
});
