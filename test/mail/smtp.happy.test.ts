import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  createSmtpMailer,
  type Mailer,
  type OutboundEmail,
  replyAddress,
} from '../../src/mail/index.js';
import {
  outboundReply,
  parseReceived,
  rawHeaderValues,
  SUPPORT_SENDER,
  TestSmtpServer,
} from '../support/smtp-server.js';

/** A reply about a damaged order: what the assertions below read back. */
const reply = (overrides: Partial<OutboundEmail> = {}): OutboundEmail =>
  outboundReply({
    to: { address: 'bob@example.com', name: 'Bob Customer' },
    subject: 'Re: Order 4411 arrived damaged',
    text: 'Hi Bob,\n\nSorry about that. See https://acme.test/returns for the label.\n\nAcme',
    html: '<p>Hi Bob,</p><p>Sorry about that.</p>',
    replyTo: replyAddress(SUPPORT_SENDER.address, 'tkt_4411'),
    ...overrides,
  });

describe('SMTP mailer against a real SMTP server', () => {
  let server: TestSmtpServer;
  let mailer: Mailer;

  beforeAll(async () => {
    server = await TestSmtpServer.start();
  });
  afterAll(async () => {
    await server.close();
  });
  afterEach(async () => {
    await mailer?.close();
    server.received.length = 0;
  });

  it('sends From, To, Reply-To with the ticket token, our Message-ID and the loop headers', async () => {
    mailer = createSmtpMailer({ url: server.url(), from: SUPPORT_SENDER });
    const mail = reply({ headers: { 'X-Deskpilot-Ticket': 'tkt_4411' } });
    const result = await mailer.send(mail);

    expect(result.messageId).toBe(mail.messageId);
    expect(result.accepted).toEqual(['bob@example.com']);
    expect(result.rejected).toEqual([]);
    expect(result.response).toMatch(/^250/);

    const [received] = await server.waitForMessages(1);
    expect(received?.envelope).toEqual({
      mailFrom: 'support@acme.test',
      rcptTo: ['bob@example.com'],
    });
    const parsed = await parseReceived(received!);
    expect(parsed.from?.value).toEqual([{ address: 'support@acme.test', name: 'Acme Support' }]);
    expect(parsed.to).toMatchObject({
      value: [{ address: 'bob@example.com', name: 'Bob Customer' }],
    });
    expect(parsed.replyTo?.value).toEqual([
      { address: 'support+tkt_4411@acme.test', name: 'Acme Support' },
    ]);
    expect(parsed.messageId).toBe(`<${mail.messageId}>`);
    expect(parsed.subject).toBe('Re: Order 4411 arrived damaged');
    expect(parsed.headers.get('x-deskpilot-ticket')).toBe('tkt_4411');
    expect(parsed.headers.get('x-auto-response-suppress')).toBe('All');
    expect(parsed.headers.has('auto-submitted')).toBe(false);
    expect(parsed.headers.has('x-mailer')).toBe(false);
    expect(parsed.headers.has('bcc')).toBe(false);
  });

  it('marks a reply sent without human approval Auto-Submitted: auto-replied', async () => {
    mailer = createSmtpMailer({ url: server.url(), from: SUPPORT_SENDER });
    await mailer.send(reply({ autoSubmitted: true }));
    await mailer.send(reply({ autoSubmitted: false }));
    const [auto, approved] = await server.waitForMessages(2);
    expect(rawHeaderValues(auto!.raw, 'Auto-Submitted')).toEqual(['auto-replied']);
    expect(rawHeaderValues(approved!.raw, 'Auto-Submitted')).toEqual([]);
    expect(rawHeaderValues(approved!.raw, 'X-Auto-Response-Suppress')).toEqual(['All']);
  });

  it('sends multipart/alternative with the text and the HTML part', async () => {
    mailer = createSmtpMailer({ url: server.url(), from: SUPPORT_SENDER });
    await mailer.send(reply());
    const [received] = await server.waitForMessages(1);
    const parsed = await parseReceived(received!);
    expect(rawHeaderValues(received!.raw, 'Content-Type')[0]).toMatch(/^multipart\/alternative;/);
    expect(parsed.text).toContain('See https://acme.test/returns for the label.');
    expect(parsed.html).toBe('<p>Hi Bob,</p><p>Sorry about that.</p>');
  });

  it('renders the HTML part from the text when the draft has none', async () => {
    mailer = createSmtpMailer({ url: server.url(), from: SUPPORT_SENDER });
    await mailer.send(
      reply({ html: '', text: 'Use <b>this</b> link: https://acme.test/a?b=1&c=2.' }),
    );
    const [received] = await server.waitForMessages(1);
    const parsed = await parseReceived(received!);
    expect(parsed.text?.trim()).toBe('Use <b>this</b> link: https://acme.test/a?b=1&c=2.');
    expect(parsed.html).toContain('Use &lt;b&gt;this&lt;/b&gt; link:');
    expect(parsed.html).toContain('<a href="https://acme.test/a?b=1&amp;c=2"');
  });

  it('encodes UTF-8 subjects, display names and bodies', async () => {
    mailer = createSmtpMailer({
      url: server.url(),
      from: { address: 'support@acme.test', name: 'Kundendienst Grüße – 日本' },
    });
    await mailer.send(
      reply({
        to: { address: 'jurgen@example.de', name: 'Jürgen Groß 山田' },
        subject: 'Re: Grüße – 日本 🎉',
        text: 'Vielen Dank für Ihre Geduld – ありがとうございます',
        html: '<p>Vielen Dank – ありがとう</p>',
      }),
    );
    const [received] = await server.waitForMessages(1);
    // Headers on the wire are 7-bit: RFC 2047 encoded words, not raw UTF-8.
    const headerBlock = received!.raw.subarray(0, received!.raw.indexOf('\r\n\r\n'));
    expect([...headerBlock].every((byte) => byte < 0x80)).toBe(true);
    const parsed = await parseReceived(received!);
    expect(parsed.subject).toBe('Re: Grüße – 日本 🎉');
    expect(parsed.from?.value[0]?.name).toBe('Kundendienst Grüße – 日本');
    expect(parsed.to).toMatchObject({ value: [{ name: 'Jürgen Groß 山田' }] });
    expect(parsed.text?.trim()).toBe('Vielen Dank für Ihre Geduld – ありがとうございます');
    expect(parsed.html).toBe('<p>Vielen Dank – ありがとう</p>');
  });

  it('threads the reply: In-Reply-To is the customer message, References the thread plus it', async () => {
    mailer = createSmtpMailer({ url: server.url(), from: SUPPORT_SENDER });
    const thread = ['first.mail@mail.example.com', 'CAF=x+y@mail.gmail.com'];
    const mail = reply({ inReplyTo: 'latest.42@mail.example.com', references: thread });
    await mailer.send(mail);
    const [received] = await server.waitForMessages(1);
    const parsed = await parseReceived(received!);
    expect(parsed.inReplyTo).toBe('<latest.42@mail.example.com>');
    expect(parsed.references).toEqual([
      '<first.mail@mail.example.com>',
      '<CAF=x+y@mail.gmail.com>',
      '<latest.42@mail.example.com>',
    ]);
    expect(parsed.messageId).toBe(`<${mail.messageId}>`);
  });

  it('keeps References bounded to the thread root and the newest ids', async () => {
    mailer = createSmtpMailer({ url: server.url(), from: SUPPORT_SENDER });
    const thread = Array.from({ length: 60 }, (_, i) => `m${i}@mail.example.com`);
    await mailer.send(reply({ inReplyTo: 'm60@mail.example.com', references: thread }));
    const [received] = await server.waitForMessages(1);
    const parsed = await parseReceived(received!);
    const references = parsed.references as string[];
    expect(references).toHaveLength(20);
    expect(references[0]).toBe('<m0@mail.example.com>');
    expect(references.at(-2)).toBe('<m59@mail.example.com>');
    expect(references.at(-1)).toBe('<m60@mail.example.com>');
    expect(parsed.inReplyTo).toBe('<m60@mail.example.com>');
  });

  it('sends a first message (no thread) without In-Reply-To or References', async () => {
    mailer = createSmtpMailer({ url: server.url(), from: SUPPORT_SENDER });
    await mailer.send(reply());
    const [received] = await server.waitForMessages(1);
    expect(rawHeaderValues(received!.raw, 'In-Reply-To')).toEqual([]);
    expect(rawHeaderValues(received!.raw, 'References')).toEqual([]);
  });

  it('delivers concurrent sends through a small pool exactly once each, reusing connections', async () => {
    mailer = createSmtpMailer({ url: server.url(), from: SUPPORT_SENDER, maxConnections: 3 });
    const before = server.connections;
    const mails = Array.from({ length: 40 }, (_, i) =>
      reply({ to: { address: `customer${i}@example.com` }, subject: `Ticket ${i}` }),
    );
    const results = await Promise.all(mails.map((mail) => mailer.send(mail)));
    expect(results.map((r) => r.messageId)).toEqual(mails.map((m) => m.messageId));
    await server.waitForMessages(40);
    expect(server.received).toHaveLength(40);
    const ids = await Promise.all(
      server.received.map(async (message) => (await parseReceived(message)).messageId),
    );
    expect(new Set(ids).size).toBe(40);
    expect(new Set(ids)).toEqual(new Set(mails.map((m) => `<${m.messageId}>`)));
    const recipients = server.received.flatMap((message) => message.envelope.rcptTo);
    expect(recipients.sort()).toEqual(mails.map((m) => m.to.address).sort());
    expect(server.connections - before).toBeLessThanOrEqual(3);
  });

  it('sends without a pool too', async () => {
    mailer = createSmtpMailer({ url: server.url(), from: SUPPORT_SENDER, pool: false });
    await Promise.all([mailer.send(reply()), mailer.send(reply())]);
    expect(await server.waitForMessages(2)).toHaveLength(2);
  });

  it('verify() connects to the server', async () => {
    mailer = createSmtpMailer({ url: server.url(), from: SUPPORT_SENDER });
    await expect(mailer.verify()).resolves.toBeUndefined();
  });

  it('refuses sends after close()', async () => {
    mailer = createSmtpMailer({ url: server.url(), from: SUPPORT_SENDER });
    await mailer.close();
    await expect(mailer.send(reply())).rejects.toMatchObject({
      name: 'MailSendError',
      permanent: false,
      code: 'ECLOSED',
    });
  });

  it('close() lets sends in flight finish', async () => {
    mailer = createSmtpMailer({ url: server.url(), from: SUPPORT_SENDER });
    const sending = Promise.all([mailer.send(reply()), mailer.send(reply())]);
    await mailer.close();
    await expect(sending).resolves.toHaveLength(2);
    expect(server.received).toHaveLength(2);
  });
});

describe('SMTP mailer with authentication', () => {
  const credentials = { user: 'deskpilot@acme.test', pass: 'p@ss:w/rd%' };
  let server: TestSmtpServer;

  beforeAll(async () => {
    server = await TestSmtpServer.start({ credentials });
  });
  afterAll(async () => {
    await server.close();
  });

  it('logs in with the (percent-encoded) credentials from the URL', async () => {
    const mailer = createSmtpMailer({ url: server.url(credentials), from: SUPPORT_SENDER });
    try {
      await mailer.send(reply());
      const [received] = await server.waitForMessages(1);
      expect(received?.user).toBe('deskpilot@acme.test');
    } finally {
      await mailer.close();
    }
  });
});
