import { signZendesk } from '../../../src/ingest/zendesk/signature.js';

/** Questions the sample knowledge base (samples/kb) answers, so every ticket gets a real draft. */
export const questions = [
  ['Forgot my password', 'I cannot log in and the reset email never arrives. What can I do?'],
  ['Where is my parcel?', 'Tracking has not changed for a week, my parcel seems lost.'],
  ['Refund', 'How long does a refund take to appear on my card?'],
  ['Invoice', 'How do I add my VAT number to invoices?'],
  ['Cancel', 'Please tell me how to cancel my subscription.'],
  ['Broken item', 'The lamp arrived damaged. Can I return it for a replacement?'],
] as const;

export type WebhookKind = 'zendesk' | 'generic' | 'email';

export interface WebhookRequest {
  kind: WebhookKind;
  path: string;
  init: RequestInit & { headers: Record<string, string>; body: string };
  /** The requester's address (email and generic tickets are answered by email). */
  customer: string | null;
  /** Zendesk webhooks: the Zendesk ticket id (a fake Zendesk must know it to take the reply). */
  zendeskTicketId?: string;
}

export interface TrafficSecrets {
  zendeskSecret: string;
  /** `user:password` accepted on inbound email webhooks. */
  inboundBasicAuth: string;
  /** An API key (integration role is enough) for /webhooks/tickets. */
  integrationKey: string;
}

/**
 * The i-th webhook of a mixed stream: Zendesk (signed), generic JSON (API key) and raw email
 * (basic auth) in turn. Calling it again with the same `i` and `runId` is the same delivery — what
 * a sender's retry looks like (the Zendesk signature timestamp is fresh, as on a real retry).
 */
export function webhook(i: number, runId: string, secrets: TrafficSecrets): WebhookRequest {
  const kinds: WebhookKind[] = ['zendesk', 'generic', 'email'];
  const kind = kinds[i % kinds.length]!;
  const [subject, body] = questions[i % questions.length]!;
  const customer = `c${i}-${runId}@customer.example`;
  if (kind === 'zendesk') {
    const ticketId = `${9_000_000 + i}${runId.replace(/\D/g, '').slice(0, 6)}`;
    const raw = JSON.stringify({
      type: 'zen:event-type:ticket.created',
      account_id: 12514403,
      id: `evt-${runId}-${i}`,
      time: new Date().toISOString(),
      zendesk_event_version: '2022-11-06',
      subject: `zen:ticket:${ticketId}`,
      detail: {
        id: ticketId,
        subject,
        description: body,
        status: 'NEW',
        priority: 'NORMAL',
        requester_id: '9000000001',
        tags: ['web'],
        created_at: new Date().toISOString(),
        via: { channel: 'web_form' },
      },
      event: {},
    });
    const timestamp = new Date().toISOString();
    return {
      kind,
      path: '/webhooks/zendesk',
      customer: null,
      zendeskTicketId: ticketId,
      init: {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-zendesk-webhook-signature': signZendesk(secrets.zendeskSecret, timestamp, raw),
          'x-zendesk-webhook-signature-timestamp': timestamp,
        },
        body: raw,
      },
    };
  }
  if (kind === 'generic') {
    return {
      kind,
      path: '/webhooks/tickets',
      customer,
      init: {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${secrets.integrationKey}`,
        },
        body: JSON.stringify({
          eventId: `gen-${runId}-${i}`,
          ticket: { externalId: `ext-${runId}-${i}`, subject },
          requester: { email: customer, name: `Customer ${i}` },
          message: { body },
        }),
      },
    };
  }
  return {
    kind,
    path: '/webhooks/email/raw',
    customer,
    init: {
      method: 'POST',
      headers: {
        'content-type': 'message/rfc822',
        authorization: `Basic ${Buffer.from(secrets.inboundBasicAuth).toString('base64')}`,
      },
      body: [
        `From: Customer ${i} <${customer}>`,
        'To: support@deskpilot.test',
        `Subject: ${subject}`,
        `Message-ID: <m-${runId}-${i}@customer.example>`,
        `Date: ${new Date().toUTCString()}`,
        'Content-Type: text/plain; charset=utf-8',
        '',
        body,
        '',
      ].join('\r\n'),
    },
  };
}
