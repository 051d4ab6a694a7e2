import { createHmac, randomBytes } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createApp } from '../../../../src/app.js';
import { getTicket, listMessages, listTicketEvents } from '../../../../src/db/queries/tickets.js';
import { createTestDeps, MAILGUN_KEY } from '../../../support/deps.js';
import { fileTestApp } from '../../../support/fixtures.js';
import { countRows } from '../../../support/rows.js';

const shared = path.resolve(import.meta.dirname, '../../../../../shared/data');
const auth = { authorization: `Basic ${Buffer.from('inbound:s3cret-pass').toString('base64')}` };

const { deps, app } = await fileTestApp();

const postRaw = (body: Buffer | string, headers: Record<string, string> = {}) =>
  app.request('/webhooks/email/raw', {
    method: 'POST',
    headers: { 'content-type': 'message/rfc822', ...auth, ...headers },
    body,
  });

async function emlFiles(): Promise<string[]> {
  const entries = await readdir(path.join(shared, 'email'), {
    recursive: true,
    withFileTypes: true,
  });
  return entries
    .filter((e) => e.isFile() && e.name.endsWith('.eml'))
    .map((e) => path.join(e.parentPath, e.name))
    .sort();
}

describe('POST /webhooks/email/raw with every shared .eml fixture', () => {
  it('turns each one into a ticket or an automated ticket, never a 5xx', async () => {
    const files = await emlFiles();
    expect(files.length).toBeGreaterThan(100);
    const outcomes: Record<string, number> = {};
    for (const file of files) {
      const res = await postRaw(await readFile(file));
      const label = `${res.status}`;
      outcomes[label] = (outcomes[label] ?? 0) + 1;
      expect(
        res.status,
        `${path.relative(shared, file)} → ${await res.clone().text()}`,
      ).toBeLessThan(500);
      if (res.status === 202 || res.status === 200) {
        const { ticketId } = (await res.json()) as { ticketId: string };
        expect(await getTicket(deps.db, ticketId)).not.toBeNull();
      } else {
        // Only truly unusable input may be refused, with a clear 400.
        expect(res.status, path.relative(shared, file)).toBe(400);
      }
    }
    expect((outcomes['202'] ?? 0) + (outcomes['200'] ?? 0)).toBeGreaterThan(files.length * 0.9);
  });

  it('marks delivery-status reports automated, records why, and never queues triage for them', async () => {
    const file = path.join(shared, 'email/mailparser/delivery-status.eml');
    const raw = (await readFile(file, 'utf8')).replace(
      /^Message-ID:.*$/im,
      `Message-ID: <dsn-${randomBytes(4).toString('hex')}@x>`,
    );
    const before = await countRows(deps.db);
    const res = await postRaw(raw);
    expect([200, 202]).toContain(res.status);
    const { ticketId } = (await res.json()) as { ticketId: string };
    const ticket = await getTicket(deps.db, ticketId);
    expect(ticket?.automated).toBe(true);
    expect(ticket?.automatedReason).toBeTruthy();
    if (res.status === 202) expect((await countRows(deps.db)).outbox).toBe(before.outbox);
  });
});

describe('email threading and duplicates', () => {
  const mail = (headers: string, body = 'Hello, my parcel never arrived.') =>
    `From: Kim <kim@example.net>\r\nTo: support@deskpilot.test\r\nSubject: Parcel\r\n${headers}Date: Thu, 19 Nov 2026 10:00:00 +0000\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n${body}\r\n`;

  it('threads by In-Reply-To and by the support+token address, and dedupes on Message-ID', async () => {
    const first = await postRaw(mail('Message-ID: <m1@example.net>\r\n'));
    expect(first.status).toBe(202);
    const { ticketId } = (await first.json()) as { ticketId: string };
    const again = await postRaw(mail('Message-ID: <m1@example.net>\r\n'));
    expect(again.status).toBe(200);
    expect(((await again.json()) as { ticketId: string }).ticketId).toBe(ticketId);

    const reply = await postRaw(
      mail(
        'Message-ID: <m2@example.net>\r\nIn-Reply-To: <m1@example.net>\r\nReferences: <m1@example.net>\r\n',
        'Any update?\r\n\r\nOn Thu, Kim wrote:\r\n> Hello',
      ),
    );
    expect(((await reply.json()) as { ticketId: string }).ticketId).toBe(ticketId);

    const ticket = await getTicket(deps.db, ticketId);
    const byToken = await postRaw(
      mail('Message-ID: <m3@example.net>\r\n').replace(
        'To: support@deskpilot.test',
        `To: support+${ticket!.replyToken}@deskpilot.test`,
      ),
    );
    expect(((await byToken.json()) as { ticketId: string }).ticketId).toBe(ticketId);
    const messages = await listMessages(deps.db, ticketId);
    expect(messages).toHaveLength(3);
    expect(messages[1]!.strippedText.trim()).toBe('Any update?');
  });

  it('an out-of-office reply threads onto the ticket but neither reopens nor re-triages it', async () => {
    const res = await postRaw(mail('Message-ID: <o1@example.net>\r\n'));
    const { ticketId } = (await res.json()) as { ticketId: string };
    const before = await countRows(deps.db);
    const ooo = await postRaw(
      mail(
        'Message-ID: <o2@example.net>\r\nIn-Reply-To: <o1@example.net>\r\nAuto-Submitted: auto-replied\r\n',
        'I am out of the office.',
      ),
    );
    expect(ooo.status).toBe(202);
    expect(((await ooo.json()) as { ticketId: string }).ticketId).toBe(ticketId);
    const after = await countRows(deps.db);
    expect(after.outbox).toBe(before.outbox);
    const events = await listTicketEvents(deps.db, ticketId);
    expect(events.at(-1)?.data).toMatchObject({ automated: true });
  });

  it('refuses missing or wrong credentials, wrong media types and oversized mail', async () => {
    expect(
      (
        await app.request('/webhooks/email/raw', {
          method: 'POST',
          headers: { 'content-type': 'message/rfc822' },
          body: 'x',
        })
      ).status,
    ).toBe(401);
    expect(
      (
        await postRaw('x', {
          authorization: `Basic ${Buffer.from('inbound:nope').toString('base64')}`,
        })
      ).status,
    ).toBe(401);
    expect((await postRaw('x', { 'content-type': 'application/json' })).status).toBe(415);
    const small = await createTestDeps({ MAX_EMAIL_BYTES: '1kb' });
    try {
      const res = await createApp(small).request('/webhooks/email/raw', {
        method: 'POST',
        headers: { 'content-type': 'message/rfc822', ...auth },
        body: mail('Message-ID: <big@x>\r\n', 'y'.repeat(5_000)),
      });
      expect(res.status).toBe(413);
    } finally {
      await small.cleanup();
    }
  });
});

describe('provider webhooks', () => {
  it('accepts every SendGrid Inbound Parse fixture (parsed and raw modes)', async () => {
    const dir = path.join(shared, 'webhooks/sendgrid-inbound-parse');
    for (const name of await readdir(dir)) {
      const body = (await readFile(path.join(dir, name), 'utf8')).replace(/\r?\n/g, '\r\n');
      const res = await app.request('/webhooks/email/sendgrid', {
        method: 'POST',
        headers: { 'content-type': 'multipart/form-data; boundary=xYzZY', ...auth },
        body,
      });
      expect([200, 202], `${name}: ${await res.clone().text()}`).toContain(res.status);
    }
  });

  it('accepts every Postmark fixture, and 400s naming the field on a bad one', async () => {
    const dir = path.join(shared, 'webhooks/postmark-inbound');
    for (const name of await readdir(dir)) {
      const res = await app.request('/webhooks/email/postmark', {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...auth },
        body: await readFile(path.join(dir, name)),
      });
      expect([200, 202], `${name}: ${await res.clone().text()}`).toContain(res.status);
    }
    const bad = await app.request('/webhooks/email/postmark', {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...auth },
      body: JSON.stringify({ FromFull: { Email: 42 }, Subject: 'x' }),
    });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { message: string } }).error.message).toMatch(
      /FromFull|Email/,
    );
  });

  describe('Mailgun', () => {
    const signed = (over: Partial<Record<string, string>> = {}, key = MAILGUN_KEY) => {
      const timestamp = over.timestamp ?? String(Math.floor(Date.now() / 1000));
      const token = over.token ?? randomBytes(25).toString('hex');
      const signature = createHmac('sha256', key)
        .update(timestamp + token)
        .digest('hex');
      const form = new URLSearchParams({
        timestamp,
        token,
        signature,
        sender: 'lee@example.org',
        from: 'Lee <lee@example.org>',
        recipient: 'support@deskpilot.test',
        subject: 'Password reset link expired',
        'body-plain': 'The link in your email says expired.',
        'Message-Id': over['Message-Id'] ?? `<${randomBytes(6).toString('hex')}@example.org>`,
        ...over,
      });
      return app.request('/webhooks/email/mailgun', {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: form.toString(),
      });
    };

    it('accepts a signed post', async () => {
      expect((await signed()).status).toBe(202);
    });
    it('rejects a wrong key, a tampered token, a stale timestamp and a reused token', async () => {
      expect((await signed({}, 'wrong-key')).status).toBe(401);
      const stale = String(Math.floor(Date.now() / 1000) - 300);
      const res = await signed({ timestamp: stale });
      expect(res.status).toBe(401);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe('stale_request');
      const token = randomBytes(25).toString('hex');
      expect((await signed({ token })).status).toBe(202);
      const before = await countRows(deps.db);
      const reused = await signed({ token });
      expect(reused.status).toBe(401);
      expect(((await reused.json()) as { error: { code: string } }).error.code).toBe(
        'replayed_request',
      );
      expect(await countRows(deps.db)).toEqual(before);
    });
    it('a redelivery of the same message is a duplicate, not an error', async () => {
      const id = `<redeliver-${randomBytes(4).toString('hex')}@example.org>`;
      expect((await signed({ 'Message-Id': id })).status).toBe(202);
      expect((await signed({ 'Message-Id': id })).status).toBe(200);
    });
  });
});
