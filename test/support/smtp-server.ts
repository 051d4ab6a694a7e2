import type { AddressInfo } from 'node:net';
import { type ParsedMail, simpleParser } from 'mailparser';
import { SMTPServer, type SMTPServerSession } from 'smtp-server';
import { afterAll, afterEach } from 'vitest';
import {
  createSmtpMailer,
  type Mailer,
  newMessageId,
  type OutboundEmail,
  replyAddress,
} from '../../src/mail/index.js';

export interface ReceivedMessage {
  /** The DATA bytes exactly as the client sent them (dot-unstuffed by smtp-server). */
  raw: Buffer;
  envelope: { mailFrom: string | null; rcptTo: string[] };
  sessionId: string;
  /** Username the client authenticated with, if it did. */
  user: string | null;
}

type Stage = 'mail' | 'rcpt' | 'data';

interface Rejection {
  code: number;
  message: string;
  stage: Stage;
}

export interface TestSmtpServerOptions {
  /** Require AUTH with these credentials; without it AUTH is optional and anything is accepted. */
  credentials?: { user: string; pass: string };
}

/**
 * A real SMTP server (nodemailer's smtp-server) on 127.0.0.1 and a free port, for driving the
 * outbound mailer over the wire. Plain text only (no STARTTLS), so no certificates are involved.
 * Faults can be scripted per message: a 4xx/5xx reply at MAIL FROM, RCPT TO or after DATA, a
 * connection dropped in the middle of DATA, or a DATA reply that never comes.
 */
export class TestSmtpServer {
  readonly received: ReceivedMessage[] = [];
  /** Connections accepted so far (to see that a pool reuses them). */
  connections = 0;
  private rejections: Rejection[] = [];
  private drops = 0;
  private stalls = 0;
  private readonly replyDelays: number[] = [];
  private readonly waiters = new Set<() => void>();

  private constructor(
    private readonly server: SMTPServer,
    readonly port: number,
  ) {}

  static async start(options: TestSmtpServerOptions = {}): Promise<TestSmtpServer> {
    let self: TestSmtpServer | undefined;
    const credentials = options.credentials;
    const server = new SMTPServer({
      logger: false,
      disabledCommands: ['STARTTLS'],
      authOptional: credentials === undefined,
      allowInsecureAuth: true,
      size: 10 * 1024 * 1024,
      // Keep a stalled test connection from outliving the test by much.
      socketTimeout: 20_000,
      closeTimeout: 1_000,
      onConnect(_session, callback) {
        if (self) self.connections++;
        callback();
      },
      onAuth(auth, _session, callback) {
        if (
          credentials &&
          (auth.username !== credentials.user || auth.password !== credentials.pass)
        ) {
          const error = Object.assign(new Error('Invalid username or password'), {
            responseCode: 535,
          });
          callback(error);
          return;
        }
        callback(null, { user: auth.username ?? 'anonymous' });
      },
      onMailFrom(_address, _session, callback) {
        callback(self?.takeRejection('mail') ?? null);
      },
      onRcptTo(_address, _session, callback) {
        callback(self?.takeRejection('rcpt') ?? null);
      },
      onData(stream, session, callback) {
        if (!self) throw new Error('server not ready');
        self.onData(stream, session, callback);
      },
    });
    server.on('error', () => {
      // Connection-level errors (our own dropped sockets included) are expected in fault tests.
    });
    const port = await new Promise<number>((resolve, reject) => {
      server.server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        resolve((server.server.address() as AddressInfo).port);
      });
    });
    self = new TestSmtpServer(server, port);
    return self;
  }

  /** `smtp://127.0.0.1:<port>`, with credentials when given. */
  url(credentials?: { user: string; pass: string }): string {
    const auth = credentials
      ? `${encodeURIComponent(credentials.user)}:${encodeURIComponent(credentials.pass)}@`
      : '';
    return `smtp://${auth}127.0.0.1:${this.port}`;
  }

  /** The next `count` messages are refused with `code` at `stage` (default: after DATA). */
  rejectNext(count: number, code: number, options: { stage?: Stage; message?: string } = {}): void {
    for (let i = 0; i < count; i++) {
      this.rejections.push({
        code,
        message: options.message ?? (code >= 500 ? 'Rejected for good' : 'Try again later'),
        stage: options.stage ?? 'data',
      });
    }
  }

  /** The next `count` messages have their connection cut halfway through DATA. */
  dropNext(count: number): void {
    this.drops += count;
  }

  /** The next `count` messages are read but never answered (the client's timeout must fire). */
  stallNext(count: number): void {
    this.stalls += count;
  }

  /**
   * The next `count` messages are received (and recorded) in full, but the 250 reply waits `ms`:
   * a slow server, or — if the client dies meanwhile — a message accepted whose sender never
   * learned it.
   */
  delayRepliesNext(count: number, ms: number): void {
    for (let i = 0; i < count; i++) this.replyDelays.push(ms);
  }

  /** Resolves once at least `count` messages were received. */
  async waitForMessages(count: number, timeoutMs = 10_000): Promise<ReceivedMessage[]> {
    if (this.received.length >= count) return this.received;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(new Error(`expected ${count} messages, got ${this.received.length}`));
      }, timeoutMs);
      const check = () => {
        if (this.received.length < count) return;
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve(this.received);
      };
      this.waiters.add(check);
    });
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private takeRejection(stage: Stage): Error | null {
    const next = this.rejections[0];
    if (!next || next.stage !== stage) return null;
    this.rejections.shift();
    return Object.assign(new Error(next.message), { responseCode: next.code });
  }

  private onData(
    stream: NodeJS.ReadableStream & { sizeExceeded?: boolean },
    session: SMTPServerSession,
    callback: (error?: Error | null) => void,
  ): void {
    const chunks: Buffer[] = [];
    let length = 0;
    const drop = this.drops > 0;
    if (drop) this.drops--;
    const stall = !drop && this.stalls > 0;
    if (stall) this.stalls--;
    stream.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      length += chunk.length;
      if (drop && length > 0) {
        // Cut the TCP connection with the message only partly received: no reply is ever sent.
        for (const connection of this.server.connections) {
          if (connection.id === session.id) connection._socket.destroy();
        }
      }
    });
    stream.on('end', () => {
      if (drop || stall) return;
      const rejection = this.takeRejection('data');
      if (rejection) {
        callback(rejection);
        return;
      }
      this.received.push({
        raw: Buffer.concat(chunks),
        envelope: {
          mailFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : null,
          rcptTo: session.envelope.rcptTo.map((rcpt) => rcpt.address),
        },
        sessionId: session.id,
        user: typeof session.user === 'string' ? session.user : null,
      });
      for (const waiter of [...this.waiters]) waiter();
      const delay = this.replyDelays.shift();
      if (delay === undefined) callback(null);
      else setTimeout(() => callback(null), delay);
    });
  }
}

/** mailparser's reading of a received message. */
export function parseReceived(message: ReceivedMessage): Promise<ParsedMail> {
  return simpleParser(message.raw);
}

/** The header block of a raw message as (name, unfolded raw value) pairs, in order. */
export function rawHeaders(raw: Buffer): Array<{ name: string; value: string }> {
  const text = raw.toString('latin1');
  const end = text.search(/\r?\n\r?\n/);
  const block = end >= 0 ? text.slice(0, end) : text;
  const headers: Array<{ name: string; value: string }> = [];
  for (const line of block.split(/\r?\n/)) {
    const last = headers.at(-1);
    if (/^[ \t]/.test(line) && last) {
      last.value += line;
      continue;
    }
    const colon = line.indexOf(':');
    headers.push({ name: line.slice(0, colon).trim(), value: line.slice(colon + 1).trim() });
  }
  return headers;
}

/** Raw values of every header called `name` (case-insensitive). */
export function rawHeaderValues(raw: Buffer, name: string): string[] {
  return rawHeaders(raw)
    .filter((header) => header.name.toLowerCase() === name.toLowerCase())
    .map((header) => header.value);
}

/** The sender of the mail tests' outbound mail. */
export const SUPPORT_SENDER = { address: 'support@acme.test', name: 'Acme Support' };

/** A reply as the deliver step hands it to a mailer; a test overrides what it is about. */
export function outboundReply(overrides: Partial<OutboundEmail> = {}): OutboundEmail {
  return {
    to: { address: 'bob@example.com', name: 'Bob' },
    subject: 'Re: help',
    text: 'Hello',
    html: '<p>Hello</p>',
    messageId: newMessageId('acme.test'),
    replyTo: replyAddress(SUPPORT_SENDER.address, 'tkt_1'),
    ...overrides,
  };
}

/**
 * A TestSmtpServer and a pooled SMTP mailer sending to it from SUPPORT_SENDER, for a whole test
 * file: started while the file loads, closed after its last test; what the server received is
 * cleared after each test.
 */
export async function fileSmtpServerAndMailer(): Promise<{
  server: TestSmtpServer;
  mailer: Mailer;
}> {
  const server = await TestSmtpServer.start();
  const mailer = createSmtpMailer({ url: server.url(), from: SUPPORT_SENDER });
  afterAll(async () => {
    await mailer.close();
    await server.close();
  });
  afterEach(() => {
    server.received.length = 0;
  });
  return { server, mailer };
}
