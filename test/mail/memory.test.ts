import { simpleParser } from 'mailparser';
import { describe, expect, it } from 'vitest';
import {
  InMemoryMailer,
  type Mailer,
  mailerFromUrl,
  newMessageId,
  type OutboundEmail,
  replyAddress,
} from '../../src/mail/index.js';

const SUPPORT = { address: 'support@acme.test', name: 'Acme Support' };

function reply(overrides: Partial<OutboundEmail> = {}): OutboundEmail {
  return {
    to: { address: 'bob@example.com', name: 'Bob' },
    subject: 'Re: help',
    text: 'Hello https://acme.test',
    html: '',
    messageId: newMessageId('acme.test'),
    replyTo: replyAddress(SUPPORT.address, 'tkt_1'),
    inReplyTo: 'parent@mail.example.com',
    ...overrides,
  };
}

describe('InMemoryMailer', () => {
  it('records the prepared message and the composed bytes', async () => {
    const mailer = new InMemoryMailer({ from: SUPPORT });
    const mail = reply({ autoSubmitted: true, subject: 'Re: a\r\nBcc: x@y.test' });
    const result = await mailer.send(mail);
    expect(result).toMatchObject({ messageId: mail.messageId, accepted: ['bob@example.com'] });
    expect(mailer.sent).toHaveLength(1);
    const [sent] = mailer.sent;
    expect(sent?.email.subject).toBe('Re: a Bcc: x@y.test');
    expect(sent?.email.headers).toEqual({
      'X-Auto-Response-Suppress': 'All',
      'Auto-Submitted': 'auto-replied',
    });
    expect(sent?.email.html).toContain('<a href="https://acme.test"');
    const parsed = await simpleParser(sent!.raw);
    expect(parsed.messageId).toBe(`<${mail.messageId}>`);
    expect(parsed.inReplyTo).toBe('<parent@mail.example.com>');
    expect(parsed.bcc).toBeUndefined();
  });

  it('validates like the SMTP mailer', async () => {
    const mailer = new InMemoryMailer();
    await expect(mailer.send(reply({ to: { address: 'x\r\n@y.test' } }))).rejects.toMatchObject({
      permanent: true,
      code: 'EINVALID',
    });
    expect(mailer.sent).toHaveLength(0);
  });

  it('fails scripted sends in order, then recovers', async () => {
    const mailer = new InMemoryMailer()
      .failNext({ permanent: false, smtpCode: 451 })
      .failNext({ permanent: true, smtpCode: 550 });
    await expect(mailer.send(reply())).rejects.toMatchObject({ permanent: false, smtpCode: 451 });
    await expect(mailer.send(reply())).rejects.toMatchObject({ permanent: true, smtpCode: 550 });
    await expect(mailer.send(reply())).resolves.toBeDefined();
    expect(mailer.sent).toHaveLength(1);
  });

  it('refuses sends after close()', async () => {
    const mailer = new InMemoryMailer();
    await mailer.close();
    await expect(mailer.send(reply())).rejects.toMatchObject({ code: 'ECLOSED' });
  });
});

describe('mailerFromUrl', () => {
  it('is null without a URL', () => {
    expect(mailerFromUrl(undefined, SUPPORT)).toBeNull();
    expect(mailerFromUrl('  ', SUPPORT)).toBeNull();
  });

  it('memory: gives an in-memory mailer', () => {
    expect(mailerFromUrl('memory:', SUPPORT)).toBeInstanceOf(InMemoryMailer);
  });

  it('smtp:// and smtps:// give an SMTP mailer (no connection until used)', async () => {
    for (const url of ['smtp://u:p@127.0.0.1:2525', 'smtps://127.0.0.1:465']) {
      const mailer = mailerFromUrl(url, SUPPORT) as Mailer;
      expect(mailer).not.toBeInstanceOf(InMemoryMailer);
      await mailer.close();
    }
  });

  it('refuses other schemes and a bad From address', () => {
    expect(() => mailerFromUrl('http://example.com', SUPPORT)).toThrow(/SMTP URL/);
    expect(() => mailerFromUrl('smtp://127.0.0.1', { address: 'nope' })).toThrow(/From/);
  });
});
