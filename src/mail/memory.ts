import nodemailer from 'nodemailer';
import { type PreparedEmail, prepareEmail, prepareSender, toNodemailerOptions } from './compose.js';
import { MailSendError } from './errors.js';
import type { Mailer, MailSender, OutboundEmail, SendResult } from './types.js';

export interface SentEmail {
  /** The message as validated and cleaned, as the SMTP mailer would send it. */
  email: PreparedEmail;
  /** The RFC 5322 bytes nodemailer composed (parse with mailparser to assert on headers). */
  raw: Buffer;
}

/**
 * Mailer for unit tests and `SMTP_URL=memory:`: the same validation and composition as the SMTP
 * mailer, with the result kept in `sent` instead of going over the network. Failures can be
 * scripted with failNext().
 */
export class InMemoryMailer implements Mailer {
  readonly sent: SentEmail[] = [];
  private readonly from: { address: string; name: string };
  private readonly failures: MailSendError[] = [];
  private readonly composer = nodemailer.createTransport({
    streamTransport: true,
    buffer: true,
    newline: 'windows',
    disableFileAccess: true,
    disableUrlAccess: true,
  });
  private closed = false;

  constructor(options: { from?: MailSender } = {}) {
    this.from = prepareSender(options.from ?? { address: 'support@example.com', name: 'Support' });
  }

  /** The next send(s) fail with this error, in order, before anything is recorded. */
  failNext(
    error: MailSendError | { permanent: boolean; smtpCode?: number; message?: string },
  ): this {
    this.failures.push(
      error instanceof MailSendError
        ? error
        : new MailSendError(error.message ?? 'scripted failure', {
            permanent: error.permanent,
            ...(error.smtpCode !== undefined && { smtpCode: error.smtpCode }),
          }),
    );
    return this;
  }

  async send(mail: OutboundEmail): Promise<SendResult> {
    if (this.closed)
      throw new MailSendError('mailer is closed', { permanent: false, code: 'ECLOSED' });
    const email = prepareEmail(mail, this.from);
    const failure = this.failures.shift();
    if (failure) throw failure;
    const info = await this.composer.sendMail(toNodemailerOptions(email));
    const raw = Buffer.isBuffer(info.message) ? info.message : Buffer.from(String(info.message));
    this.sent.push({ email, raw });
    return {
      messageId: email.messageId,
      accepted: [email.to.address],
      rejected: [],
      response: `250 queued in memory as ${this.sent.length}`,
    };
  }

  async verify(): Promise<void> {}

  async close(): Promise<void> {
    this.closed = true;
  }
}
