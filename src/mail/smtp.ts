import nodemailer, { type SMTPSentMessageInfo } from 'nodemailer';
import { z } from 'zod';
import { prepareEmail, prepareSender, toNodemailerOptions } from './compose.js';
import { classifySmtpError, MailSendError } from './errors.js';
import { InMemoryMailer } from './memory.js';
import type { Mailer, MailSender, OutboundEmail, SendResult } from './types.js';

/** For the lead's config schema: `SMTP_URL: smtpUrlSchema.optional()`. */
export const smtpUrlSchema = z
  .string()
  .regex(
    /^(smtps?:\/\/[^\s]+|memory:)$/i,
    'expected smtp://user:pass@host:587, smtps://user:pass@host:465 or memory:',
  );

export interface SmtpTimeouts {
  /** TCP (and TLS) connect. */
  connectionMs: number;
  /** Server greeting after connect; a server that accepts and says nothing is a dead server. */
  greetingMs: number;
  /** Inactivity on an open connection (a stalled DATA reply, say). */
  socketMs: number;
  /** DNS lookup of the SMTP host. */
  dnsMs: number;
  /** Whole send, queueing in the pool included; must stay below the deliver job's lock. */
  sendMs: number;
}

// nodemailer's defaults (2 min connect, 10 min socket) are for batch mailers. A deliver job
// should fail fast and be retried by the queue with backoff, not hold a worker slot for minutes.
export const DEFAULT_SMTP_TIMEOUTS: SmtpTimeouts = {
  connectionMs: 10_000,
  greetingMs: 10_000,
  socketMs: 30_000,
  dnsMs: 10_000,
  sendMs: 60_000,
};

export interface SmtpMailerOptions {
  /** smtp://user:pass@host:587 (STARTTLS when offered) or smtps://user:pass@host:465. */
  url: string;
  from: MailSender;
  /** Pooled connections (default true); query parameters in the URL (`?pool=false`) win. */
  pool?: boolean;
  timeouts?: Partial<SmtpTimeouts>;
  /** Pool size; default 5 (what most relays allow per client before throttling). */
  maxConnections?: number;
}

/** How long close() waits for sends in flight before closing connections under them. */
const CLOSE_GRACE_MS = 10_000;

/**
 * Mailer over SMTP with nodemailer. Every message is validated (prepareEmail) before nodemailer
 * sees it, sent to exactly one envelope recipient, and any failure comes back as MailSendError.
 */
export function createSmtpMailer(options: SmtpMailerOptions): Mailer {
  const parsed = smtpUrlSchema.safeParse(options.url);
  if (!parsed.success || !/^smtps?:/i.test(options.url)) {
    throw new TypeError('SMTP URL must look like smtp://user:pass@host:587 or smtps://host:465');
  }
  const from = prepareSender(options.from);
  const timeouts = { ...DEFAULT_SMTP_TIMEOUTS, ...options.timeouts };
  const transport = nodemailer.createTransport({
    url: options.url,
    pool: options.pool ?? true,
    maxConnections: options.maxConnections ?? 5,
    // Connections are recycled now and then; some relays degrade on very long sessions.
    maxMessages: 100,
    // Most servers drop idle clients after a minute or so; closing first avoids sending into a
    // connection the server is about to cut.
    idleTimeout: 30_000,
    // No hidden re-sends: a message whose connection closes under it fails with a transient
    // error and the deliver job retries it, with its backoff and its record of attempts. (With
    // requeues on, test/mail saw a requeued message cut off after the server's 354.)
    maxRequeues: 0,
    connectionTimeout: timeouts.connectionMs,
    greetingTimeout: timeouts.greetingMs,
    socketTimeout: timeouts.socketMs,
    dnsTimeout: timeouts.dnsMs,
    // Replies never carry attachments or remote content; nothing may make nodemailer read a file
    // or fetch a URL on our behalf.
    disableFileAccess: true,
    disableUrlAccess: true,
    logger: false,
  });

  const inFlight = new Set<Promise<unknown>>();
  let closed = false;

  async function deliver(mail: OutboundEmail): Promise<SendResult> {
    const prepared = prepareEmail(mail, from);
    let info: SMTPSentMessageInfo;
    try {
      info = await transport.sendMail({
        ...toNodemailerOptions(prepared),
        signal: AbortSignal.timeout(timeouts.sendMs),
      });
    } catch (error) {
      throw classifySmtpError(error);
    }
    const accepted = (info.accepted ?? []).map(String);
    const rejected = (info.rejected ?? []).map(String);
    if (accepted.length === 0) {
      // nodemailer fails the send when every recipient is refused; this is belt and braces.
      throw new MailSendError(`recipient refused: ${info.response ?? ''}`.trim(), {
        permanent: true,
        code: 'EENVELOPE',
        ...(info.response !== undefined && { response: info.response }),
      });
    }
    return {
      messageId: prepared.messageId,
      accepted,
      rejected,
      response: info.response ?? '',
    };
  }

  return {
    send(mail) {
      if (closed) {
        return Promise.reject(
          new MailSendError('mailer is closed', { permanent: false, code: 'ECLOSED' }),
        );
      }
      const sending = deliver(mail);
      const tracked = sending.catch(() => {});
      inFlight.add(tracked);
      void tracked.finally(() => inFlight.delete(tracked));
      return sending;
    },

    async verify() {
      try {
        await transport.verify();
      } catch (error) {
        throw classifySmtpError(error);
      }
    },

    async close() {
      closed = true;
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.all(inFlight),
        new Promise((resolve) => {
          timer = setTimeout(resolve, CLOSE_GRACE_MS);
          timer.unref();
        }),
      ]);
      clearTimeout(timer);
      transport.close();
    },
  };
}

/**
 * The mailer for SMTP_URL: null when it is unset (replies cannot go out by email; the deliver
 * step says so), an InMemoryMailer for `memory:` (demos and end-to-end tests), SMTP otherwise.
 */
export function mailerFromUrl(
  url: string | undefined,
  from: MailSender,
  options: Omit<SmtpMailerOptions, 'url' | 'from'> = {},
): Mailer | null {
  if (url === undefined || url.trim() === '') return null;
  if (/^memory:/i.test(url.trim())) return new InMemoryMailer({ from });
  return createSmtpMailer({ ...options, url: url.trim(), from });
}
