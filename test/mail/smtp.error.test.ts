import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSmtpMailer, type Mailer, MailSendError } from '../../src/mail/index.js';
import { freePort } from '../support/redis-server.js';
import {
  fileSmtpServerAndMailer,
  outboundReply,
  SUPPORT_SENDER,
  TestSmtpServer,
} from '../support/smtp-server.js';

const { server, mailer } = await fileSmtpServerAndMailer();

async function sendError(mailer: Mailer, mail = outboundReply()): Promise<MailSendError> {
  const error = await mailer.send(mail).then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(MailSendError);
  return error as MailSendError;
}

describe('SMTP failures are classified as transient or permanent', () => {
  it.each([
    ['data', 450, false],
    ['data', 451, false],
    ['data', 452, false],
    ['data', 550, true],
    ['data', 552, true],
    ['data', 554, true],
    ['rcpt', 450, false],
    ['rcpt', 452, false],
    ['rcpt', 550, true],
    ['rcpt', 553, true],
    ['mail', 451, false],
    ['mail', 550, true],
    ['mail', 530, false],
  ] as const)('a %s reply %i → permanent: %s', async (stage, code, permanent) => {
    server.rejectNext(1, code, { stage });
    const error = await sendError(mailer);
    expect(error.permanent).toBe(permanent);
    expect(error.smtpCode).toBe(code);
    expect(error.response).toMatch(new RegExp(`^${code}`));
    expect(server.received).toHaveLength(0);
    // The pooled mailer carries on: the next message goes through.
    await expect(mailer.send(outboundReply())).resolves.toMatchObject({
      accepted: ['bob@example.com'],
    });
    expect(server.received).toHaveLength(1);
  });

  it.each(['mail', 'rcpt', 'data'] as const)(
    'a 421 at %s (server closing the connection) is transient',
    async (stage) => {
      server.rejectNext(1, 421, { stage });
      const error = await sendError(mailer);
      expect(error.permanent).toBe(false);
      expect(server.received).toHaveLength(0);
      await expect(mailer.send(outboundReply())).resolves.toMatchObject({
        accepted: ['bob@example.com'],
      });
    },
  );

  it('reports a connection cut mid-DATA as transient, with no hidden re-send', async () => {
    server.dropNext(1);
    const error = await sendError(mailer);
    expect(error.permanent).toBe(false);
    expect(error.smtpCode).toBeUndefined();
    expect(error.code).toBe('ECONNECTION');
    expect(server.received).toHaveLength(0);
    // The deliver job's retry sends the same message (same Message-ID) once.
    const mail = outboundReply();
    await expect(mailer.send(mail)).resolves.toMatchObject({ messageId: mail.messageId });
    expect(server.received).toHaveLength(1);
  });

  it('reports a cut connection as transient without a pool (no hidden retry)', async () => {
    const single = createSmtpMailer({ url: server.url(), from: SUPPORT_SENDER, pool: false });
    try {
      server.dropNext(1);
      const error = await sendError(single);
      expect(error.permanent).toBe(false);
      expect(server.received).toHaveLength(0);
    } finally {
      await single.close();
    }
  });

  it('reports a DATA reply that never comes as a transient timeout', async () => {
    const impatient = createSmtpMailer({
      url: server.url(),
      from: SUPPORT_SENDER,
      timeouts: { socketMs: 300 },
    });
    try {
      server.stallNext(1);
      const error = await sendError(impatient);
      expect(error.permanent).toBe(false);
      expect(error.code).toBe('ETIMEDOUT');
    } finally {
      await impatient.close();
    }
  });

  it('gives up on the whole send after sendMs', async () => {
    const impatient = createSmtpMailer({
      url: server.url(),
      from: SUPPORT_SENDER,
      timeouts: { socketMs: 30_000, sendMs: 300 },
    });
    try {
      server.stallNext(1);
      const started = Date.now();
      const error = await sendError(impatient);
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(error.permanent).toBe(false);
    } finally {
      await impatient.close();
    }
  });
});

describe('connection-level failures are transient', () => {
  it('connection refused', async () => {
    const port = await freePort();
    const mailer = createSmtpMailer({ url: `smtp://127.0.0.1:${port}`, from: SUPPORT_SENDER });
    try {
      const error = await sendError(mailer);
      expect(error.permanent).toBe(false);
      expect(error.smtpCode).toBeUndefined();
      await expect(mailer.verify()).rejects.toMatchObject({ permanent: false });
    } finally {
      await mailer.close();
    }
  });

  describe('a server that accepts the connection and never greets', () => {
    let silent: Server;
    const sockets = new Set<Socket>();
    beforeAll(async () => {
      silent = createServer((socket) => {
        sockets.add(socket);
        socket.on('error', () => {});
      });
      await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    });
    afterAll(async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    });

    it('times out waiting for the greeting', async () => {
      const port = (silent.address() as { port: number }).port;
      const mailer = createSmtpMailer({
        url: `smtp://127.0.0.1:${port}`,
        from: SUPPORT_SENDER,
        timeouts: { greetingMs: 300 },
      });
      try {
        const error = await sendError(mailer);
        expect(error.permanent).toBe(false);
        expect(error.code).toBe('ETIMEDOUT');
      } finally {
        await mailer.close();
      }
    });
  });

  describe('wrong credentials', () => {
    let server: TestSmtpServer;
    beforeAll(async () => {
      server = await TestSmtpServer.start({ credentials: { user: 'app', pass: 'right' } });
    });
    afterAll(async () => {
      await server.close();
    });

    it('are transient (an operator fixes SMTP_URL; the replies must not be dropped)', async () => {
      const mailer = createSmtpMailer({
        url: server.url({ user: 'app', pass: 'wrong' }),
        from: SUPPORT_SENDER,
      });
      try {
        const error = await sendError(mailer);
        expect(error.permanent).toBe(false);
        expect(error.code).toBe('EAUTH');
        expect(error.smtpCode).toBe(535);
        expect(server.received).toHaveLength(0);
      } finally {
        await mailer.close();
      }
    });

    it('missing credentials where the server requires them are transient', async () => {
      const mailer = createSmtpMailer({ url: server.url(), from: SUPPORT_SENDER });
      try {
        const error = await sendError(mailer);
        expect(error.permanent).toBe(false);
        expect(server.received).toHaveLength(0);
      } finally {
        await mailer.close();
      }
    });
  });
});
