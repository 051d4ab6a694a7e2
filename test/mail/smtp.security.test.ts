import { describe, expect, it } from 'vitest';
import { createSmtpMailer } from '../../src/mail/index.js';
import {
  fileSmtpServerAndMailer,
  outboundReply,
  parseReceived,
  rawHeaders,
  rawHeaderValues,
} from '../support/smtp-server.js';

const { server, mailer } = await fileSmtpServerAndMailer();

/** Header names a successful injection would add. */
const INJECTED = ['bcc', 'cc', 'x-injected'];

function expectNoInjectedHeaders(raw: Buffer) {
  const names = rawHeaders(raw).map((header) => header.name.toLowerCase());
  for (const name of INJECTED) expect(names).not.toContain(name);
  for (const single of ['from', 'to', 'subject', 'reply-to', 'message-id']) {
    expect(names.filter((name) => name === single)).toHaveLength(1);
  }
  // No raw CR or LF that is not part of a CRLF line ending, and no header line starting with a
  // name other than a folded continuation.
  const head = raw.toString('latin1').split('\r\n\r\n')[0] ?? '';
  expect(head.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/);
}

describe('header injection over a real SMTP server', () => {
  it.each([
    ['CRLF', 'Hi\r\nBcc: victim@x.test'],
    ['bare LF', 'Hi\nBcc: victim@x.test'],
    ['bare CR', 'Hi\rBcc: victim@x.test'],
    ['CRLF + blank line (body injection)', 'Hi\r\n\r\nX-Injected: 1\r\nforged body'],
    ['unicode line separator', 'Hi\u2028Bcc: victim@x.test'],
    ['NEL', 'Hi\u0085Bcc: victim@x.test'],
    ['NUL and other controls', 'Hi\u0000\u0007\u001bBcc: victim@x.test'],
  ])(
    'a subject with %s arrives as one Subject header and adds no recipient',
    async (_, subject) => {
      await mailer.send(outboundReply({ subject }));
      const [received] = await server.waitForMessages(1);
      expect(received?.envelope.rcptTo).toEqual(['bob@example.com']);
      expectNoInjectedHeaders(received!.raw);
      const parsed = await parseReceived(received!);
      expect(parsed.subject).toMatch(/^Hi ?(Bcc: victim@x\.test|X-Injected: 1 forged body)$/);
      expect(parsed.subject).not.toMatch(/[\r\n]/);
      expect(parsed.bcc).toBeUndefined();
      expect(parsed.text?.trim()).toBe('Hello');
    },
  );

  it.each([
    'Bob\r\nBcc: victim@x.test',
    'Bob\nCc: victim@x.test',
    '"Mallory" <mallory@evil.test>, victim@x.test',
    'Bob <victim@x.test>',
    'a\r\n\r\nforged body',
  ])('a recipient display name %j cannot add recipients or headers', async (name) => {
    await mailer.send(outboundReply({ to: { address: 'bob@example.com', name } }));
    const [received] = await server.waitForMessages(1);
    expect(received?.envelope.rcptTo).toEqual(['bob@example.com']);
    expectNoInjectedHeaders(received!.raw);
    const parsed = await parseReceived(received!);
    const to = Array.isArray(parsed.to) ? parsed.to : [parsed.to];
    const entries = to.flatMap((group) => group?.value ?? []);
    expect(entries.map((entry) => entry.address)).toEqual(['bob@example.com']);
    // nodemailer would encode a line break into the name; we remove it before that.
    expect(entries[0]?.name).not.toMatch(/[\r\n]/);
    expect(parsed.cc).toBeUndefined();
    expect(parsed.bcc).toBeUndefined();
  });

  it('a From display name with line breaks is cleaned too', async () => {
    const sneaky = createSmtpMailer({
      url: server.url(),
      from: { address: 'support@acme.test', name: 'Acme\r\nBcc: victim@x.test' },
    });
    try {
      await sneaky.send(outboundReply());
      const [received] = await server.waitForMessages(1);
      expectNoInjectedHeaders(received!.raw);
      const parsed = await parseReceived(received!);
      expect(parsed.from?.value).toEqual([
        { address: 'support@acme.test', name: 'Acme Bcc: victim@x.test' },
      ]);
    } finally {
      await sneaky.close();
    }
  });

  it.each([
    'bob@example.com\r\nBcc: victim@x.test',
    'bob@example.com\nBcc: victim@x.test',
    'bob@example.com, victim@x.test',
    'Bob <bob@example.com>',
    'bob@example.com>\r\nRCPT TO:<victim@x.test',
    'bob@exa mple.com',
    'bob@example.com\u0000',
    'not-an-address',
  ])('a recipient address %j is refused before anything is sent', async (address) => {
    const before = server.connections;
    await expect(mailer.send(outboundReply({ to: { address } }))).rejects.toMatchObject({
      name: 'MailSendError',
      permanent: true,
      code: 'EINVALID',
    });
    expect(server.received).toHaveLength(0);
    expect(server.connections).toBe(before);
  });

  it('a Reply-To with a line break is refused', async () => {
    await expect(
      mailer.send(outboundReply({ replyTo: 'support+t@acme.test\r\nBcc: victim@x.test' })),
    ).rejects.toMatchObject({ permanent: true, code: 'EINVALID' });
  });

  it.each<[Record<string, string>, string]>([
    [{ 'X-Deskpilot-Ticket': 't1\r\nBcc: victim@x.test' }, 'value with CRLF'],
    [{ 'X-Deskpilot-Ticket': 't1\nX-Injected: 1' }, 'value with LF'],
    [{ 'X-Deskpilot-Ticket\r\nBcc': 'victim@x.test' }, 'name with CRLF'],
    [{ 'X-Bad Name': '1' }, 'name with a space'],
    [{ 'X-Colon:': '1' }, 'name with a colon'],
    [{ Bcc: 'victim@x.test' }, 'a non-X header'],
    [{ 'Content-Type': 'text/html' }, 'a structural header'],
    [{ 'X-Auto-Response-Suppress': 'None' }, 'a header the mailer owns'],
  ])('custom headers %j (%s) are refused', async (headers) => {
    await expect(mailer.send(outboundReply({ headers }))).rejects.toMatchObject({
      name: 'MailSendError',
      permanent: true,
      code: 'EINVALID',
    });
    expect(server.received).toHaveLength(0);
  });

  it('threading ids with line breaks or brackets are dropped, never written into headers', async () => {
    await mailer.send(
      outboundReply({
        inReplyTo: 'parent@mail.test>\r\nBcc: victim@x.test',
        references: ['ok.1@mail.test', 'x@y>\r\nX-Injected: 1', '<ok.2@mail.test>', 'no-at-sign'],
      }),
    );
    const [received] = await server.waitForMessages(1);
    expectNoInjectedHeaders(received!.raw);
    expect(rawHeaderValues(received!.raw, 'In-Reply-To')).toEqual([]);
    const parsed = await parseReceived(received!);
    expect(parsed.references).toEqual(['<ok.1@mail.test>', '<ok.2@mail.test>']);
  });

  it('an invalid own Message-ID is refused', async () => {
    await expect(
      mailer.send(outboundReply({ messageId: 'abc@acme.test>\r\nBcc: victim@x.test' })),
    ).rejects.toMatchObject({ permanent: true, code: 'EINVALID' });
  });
});
