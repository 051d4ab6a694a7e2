import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../../../src/app.js';
import { listMessages } from '../../../../src/db/queries/tickets.js';
import { basicAuth } from '../../../hostile/support.js';
import { createTestDeps, type TestDeps } from '../../../support/deps.js';

/** Finding 18: a Message-ID cannot be squatted by another sender. */
let deps: TestDeps;
let app: ReturnType<typeof createApp>;
beforeAll(async () => {
  deps = await createTestDeps();
  app = createApp(deps);
});
afterAll(() => deps.cleanup());

const mail = (from: string, body: string) =>
  [
    `From: ${from}`,
    'To: support@deskpilot.test',
    'Subject: My order',
    'Message-ID: <next-message@mail.example.org>',
    'Date: Mon, 02 Nov 2026 10:00:00 +0000',
    'Content-Type: text/plain',
    '',
    body,
  ].join('\r\n');

const post = (raw: string) =>
  app.request('/webhooks/email/raw', {
    method: 'POST',
    headers: { 'content-type': 'message/rfc822', ...basicAuth },
    body: raw,
  });

describe('Message-ID de-duplication', () => {
  it("a stranger's pre-registered Message-ID does not swallow the real sender's mail", async () => {
    const squat = await post(mail('Mallory <mallory@evil.example>', 'squatting'));
    expect(squat.status).toBe(202);
    const real = await post(mail('Ana <ana@example.org>', 'Where is my order 4411?'));
    expect(real.status).toBe(202);
    const { ticketId } = (await real.json()) as { ticketId: string };
    const [message] = await listMessages(deps.db, ticketId);
    expect(message?.bodyText).toContain('order 4411');
  });

  it("the real sender's redelivery is still a duplicate", async () => {
    const again = await post(mail('Ana <ana@example.org>', 'Where is my order 4411?'));
    expect(again.status).toBe(200);
  });
});
