import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createSmtpMailer,
  type Mailer,
  MailSendError,
  newMessageId,
} from '../../src/mail/index.js';
import { TestSmtpServer } from '../support/smtp-server.js';

/** Finding 10: SMTP errors (which go to logs, alerts and last_error) carry no customer address. */
describe('SMTP errors without customer addresses', () => {
  let server: TestSmtpServer;
  let mailer: Mailer;
  beforeAll(async () => {
    server = await TestSmtpServer.start();
    mailer = createSmtpMailer({ url: server.url(), from: { address: 'support@acme.test' } });
  });
  afterAll(async () => {
    await mailer.close();
    await server.close();
  });

  it.each(['rcpt', 'data'] as const)(
    'a %s rejection naming the recipient is redacted',
    async (stage) => {
      server.rejectNext(1, 550, {
        stage,
        message: '5.1.1 <ana.customer@example.org>: Recipient address rejected: user unknown',
      });
      const error = (await mailer
        .send({
          to: { address: 'ana.customer@example.org', name: 'Ana' },
          subject: 'Re: help',
          text: 'Hello',
          html: '<p>Hello</p>',
          messageId: newMessageId('acme.test'),
          replyTo: 'support@acme.test',
        })
        .catch((e: unknown) => e)) as MailSendError;
      expect(error).toBeInstanceOf(MailSendError);
      expect(error.smtpCode).toBe(550);
      expect(error.message).not.toContain('ana.customer');
      expect(error.response ?? '').not.toContain('ana.customer');
      expect(`${error.message} ${error.response}`).toContain('[address]');
    },
  );
});
