import { randomUUID } from 'node:crypto';
import type { Db } from '../../src/db/client.js';
import { getTicket } from '../../src/db/queries/tickets.js';
import { acceptDelivery } from '../../src/ingest/intake.js';
import type { LiveEvents } from '../../src/live/events.js';

/** An email ticket as the raw webhook would create it, without going through HTTP. */
export async function seedEmailTicket(
  db: Db,
  over: { subject?: string; body?: string; from?: string; name?: string; automated?: boolean } = {},
) {
  const messageId = `${randomUUID()}@example.net`;
  const result = await acceptDelivery(db, {
    source: 'email',
    dedupeKey: `mid:${messageId}`,
    eventType: 'email.raw',
    signature: { scheme: 'none' },
    ticket: {
      subject: over.subject ?? 'Forgot my password',
      requesterEmail: over.from ?? 'robin@example.net',
      requesterName: over.name ?? 'Robin Example',
      channel: 'email',
      automated: over.automated ?? false,
    },
    message: {
      authorKind: 'customer',
      authorEmail: over.from ?? 'robin@example.net',
      bodyText: over.body ?? 'I cannot log in, I forgot my password. How do I reset it?',
      emailMessageId: messageId,
      automated: over.automated ?? false,
    },
  });
  return { ticketId: result.ticketId!, messageId };
}

/** The ticket's requester writes again by email, threaded onto it by its reply token. */
export async function seedCustomerFollowUp(
  db: Db,
  ticketId: string,
  text: string,
  options: { live?: LiveEvents } = {},
) {
  const ticket = (await getTicket(db, ticketId))!;
  const messageId = `${randomUUID()}@example.net`;
  return acceptDelivery(
    db,
    {
      source: 'email',
      dedupeKey: `mid:${messageId}`,
      eventType: 'email.raw',
      signature: { scheme: 'none' },
      ticket: {
        subject: `Re: ${ticket.subject}`,
        requesterEmail: ticket.requesterEmail,
        channel: 'email',
      },
      thread: { replyToken: ticket.replyToken },
      message: {
        authorKind: 'customer',
        authorEmail: ticket.requesterEmail,
        bodyText: text,
        emailMessageId: messageId,
      },
    },
    options,
  );
}
