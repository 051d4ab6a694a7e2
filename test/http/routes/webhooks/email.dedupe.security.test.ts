import { describe, expect, it } from 'vitest';
import { getTicket, listMessages } from '../../../../src/db/queries/tickets.js';
import { basicAuth } from '../../../hostile/support.js';
import { fileTestApp } from '../../../support/fixtures.js';

/** Finding 18: a Message-ID cannot be squatted by another sender; finding 11: threading. */
const { deps, app } = await fileTestApp();

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

describe('threading needs a participant (finding 11)', () => {
  const threadMail = (from: string, headers: string, body: string) =>
    `From: ${from}\r\nTo: support@deskpilot.test\r\nSubject: Re: Parcel\r\n${headers}Date: Mon, 02 Nov 2026 11:00:00 +0000\r\nContent-Type: text/plain\r\n\r\n${body}\r\n`;

  it('a stranger who knows the reply token or a Message-ID opens a new ticket, linked by a tag', async () => {
    const first = await post(
      threadMail('Kim <kim@example.net>', 'Message-ID: <t1@example.net>\r\n', 'My parcel'),
    );
    const { ticketId } = (await first.json()) as { ticketId: string };
    const ticket = await getTicket(deps.db, ticketId);

    const byToken = await post(
      threadMail(
        'Eve <eve@evil.example>',
        'Message-ID: <e1@evil.example>\r\n',
        'Cancel my order',
      ).replace('To: support@deskpilot.test', `To: support+${ticket!.replyToken}@deskpilot.test`),
    );
    const byReference = await post(
      threadMail(
        'Eve <eve@evil.example>',
        'Message-ID: <e2@evil.example>\r\nIn-Reply-To: <t1@example.net>\r\n',
        'Refund to me',
      ),
    );
    for (const res of [byToken, byReference]) {
      expect(res.status).toBe(202);
      const other = ((await res.json()) as { ticketId: string }).ticketId;
      expect(other).not.toBe(ticketId);
      expect((await getTicket(deps.db, other))?.tags).toContain(`refers-to:${ticketId}`);
    }
    expect(await listMessages(deps.db, ticketId)).toHaveLength(1);

    // The customer's own reply still threads.
    const reply = await post(
      threadMail(
        'Kim <KIM@example.net>',
        'Message-ID: <t2@example.net>\r\nIn-Reply-To: <t1@example.net>\r\n',
        'Any news?',
      ),
    );
    expect(((await reply.json()) as { ticketId: string }).ticketId).toBe(ticketId);
  });
});
