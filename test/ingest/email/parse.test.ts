import { describe, expect, it } from 'vitest';
import { isTicketCandidate } from '../../../src/ingest/email/build.js';
import { EmailParseError } from '../../../src/ingest/email/errors.js';
import { parseRawEmail } from '../../../src/ingest/email/parse.js';
import type { InboundEmail } from '../../../src/ingest/email/types.js';
import { EMAIL_DIR, emailFixtureName, listFiles, PARSE_OPTIONS, readEmail } from './fixtures.js';

const emlFiles = listFiles(EMAIL_DIR, '.eml');

// Parsed, but with no sender to answer: not a ticket and not provably automated either.
const NO_SENDER = new Set([
  // No From header at all.
  'mail-gem/error_emails/bad_encoded_subject.eml',
  // RFC 5322 obsolete syntax "From  : …" on the first line reads as an mbox "From " separator.
  'mail-gem/rfc2822/example13.eml',
  // No headers at all, only a MIME body.
  'mailparser/mixed.eml',
]);

async function parseFixture(
  relative: string,
  maxAttachmentBytes = PARSE_OPTIONS.maxAttachmentBytes,
) {
  return parseRawEmail(readEmail(relative), { maxAttachmentBytes });
}

describe('parseRawEmail over every .eml fixture', () => {
  it('finds the fixture corpus', () => {
    expect(emlFiles.length).toBeGreaterThanOrEqual(120);
  });

  it.each(emlFiles.map((file) => [emailFixtureName(file)]))(
    '%s parses and is a ticket candidate or automated',
    async (name) => {
      const email = await parseFixture(name);
      if (NO_SENDER.has(name)) {
        expect(email.from).toBeNull();
        expect(email.automated).toBe(false);
        expect(email.text.trim()).not.toBe('');
        return;
      }
      expect(email.automated || isTicketCandidate(email)).toBe(true);
      if (email.automated) expect(email.automatedReason).toMatch(/\S/);
      expect(typeof email.strippedText).toBe('string');
      expect(email.text).not.toContain('\r');
      expect(email.text).not.toContain('\u0000');
    },
  );
});

describe('delivery reports', () => {
  const reports = [
    ...emlFiles
      .map(emailFixtureName)
      .filter((name) => name.startsWith('mail-gem/multipart_report_emails/')),
    'mailparser/delivery-status.eml',
    'mail-gem/mime_emails/raw_email_with_mimepart_without_content_type.eml',
  ];

  it.each(reports.map((name) => [name]))('%s is automated as multipart/report', async (name) => {
    const email = await parseFixture(name);
    expect(email.automated).toBe(true);
    expect(email.automatedReason).toBe('multipart/report');
    expect(isTicketCandidate(email)).toBe(false);
  });

  it('keeps the human-readable part of a bounce as text', async () => {
    const email = await parseFixture('mail-gem/multipart_report_emails/multi_address_bounce1.eml');
    expect(email.text).toContain("I'm sorry to have to inform you");
  });
});

describe('charsets', () => {
  it.each([
    ['mail-gem/multi_charset/japanese.eml', 'まみむめも', 'かきくえこ'],
    ['mail-gem/multi_charset/japanese_iso_2022.eml', 'まみむめも', 'すみません。'],
    ['mail-gem/multi_charset/japanese_shift_jis.eml', 'test', 'このメールはテスト用のメールです。'],
    ['mail-gem/multi_charset/ks_c_5601-1987.eml', 'test', '스티해'],
    ['mail-gem/plain_emails/raw_email.eml', 'NOTE: 한국말로 하는 것', '제 이름은 Jamis입니다.'],
    ['mail-gem/rfc6532/utf8_headers.eml', 'Säying Hello', 'body'],
    ['mail-gem/rfc2822/example14.eml', 'Re: TEST テストテスト', 'Hello'],
    [
      'mail-gem/plain_emails/raw_email_with_partially_quoted_subject.eml',
      'Re: Test: "漢字" mid "漢字" tail',
      '우리는 하나님을 믿습니다',
    ],
    [
      'mail-gem/attachment_emails/attachment_pdf.eml',
      'Another PDF with 🎉 Unicode chars in it 🍿',
      'PDF',
    ],
  ])('%s decodes subject and body', async (name, subject, bodyFragment) => {
    const email = await parseFixture(name);
    expect(email.subject).toBe(subject);
    expect(email.text).toContain(bodyFragment);
  });

  it('decodes non-ASCII addresses and display names', async () => {
    const email = await parseFixture('mail-gem/rfc6532/utf8_headers.eml');
    expect(email.from).toEqual({ address: 'jdöe@mächine.example', name: 'Jöhn Doe' });
    const norwegian = await parseFixture(
      'mail-gem/error_emails/header_fields_with_empty_values.eml',
    );
    expect(norwegian.from?.name).toBe('Jørn Støylen');
  });
});

describe('attachments', () => {
  const onlyMetadata = (email: InboundEmail) => {
    for (const attachment of email.attachments) {
      expect(Object.keys(attachment).sort()).toEqual(
        ['contentId', 'contentType', 'filename', 'sha256', 'size', 'tooLarge'].sort(),
      );
      expect(attachment.sha256).toMatch(/^[0-9a-f]{64}$/);
    }
  };

  it.each([
    ['mail-gem/attachment_emails/attachment_nonascii_filename.eml', 'ciële.txt', 'text/plain', 11],
    [
      'mail-gem/attachment_emails/attachment_with_quoted_filename.eml',
      'Eelanalüüsi päring.jpg',
      'image/jpeg',
      1952,
    ],
    [
      'mail-gem/attachment_emails/attachment_with_base64_encoded_name.eml',
      'This is a test.pdf',
      'application/pdf',
      null,
    ],
    [
      'mail-gem/attachment_emails/attachment_with_unquoted_name.eml',
      'This is a test.txt',
      'text/plain',
      11,
    ],
    ['mail-gem/multi_charset/japanese_attachment.eml', 'てすと.txt', 'text/plain', null],
    [
      'mail-gem/multi_charset/japanese_attachment_long_name.eml',
      'かきくけこかきくけこかきくけこかきくけこかきくけこ.txt',
      'text/plain',
      null,
    ],
    ['mail-gem/attachment_emails/attachment_pdf.eml', 'broken.pdf', 'application/pdf', 1026],
    ['mailparser/nodemailer.eml', 'nyan cat ✔.gif', 'image/gif', 29361],
  ])('%s has %s', async (name, filename, contentType, size) => {
    const email = await parseFixture(name);
    const attachment = email.attachments.find((candidate) => candidate.filename === filename);
    expect(attachment, JSON.stringify(email.attachments)).toBeDefined();
    expect(attachment?.contentType).toBe(contentType);
    if (size !== null) expect(attachment?.size).toBe(size);
    onlyMetadata(email);
  });

  it('keeps Content-ID of inline images without brackets', async () => {
    const email = await parseFixture('mailparser/nodemailer.eml');
    const inline = email.attachments.find((attachment) => attachment.filename === 'nyan cat ✔.gif');
    expect(inline?.contentId).toMatch(/^[^<>]+@[^<>]+$/);
  });

  it('describes an attachment-only message and a base64 root part', async () => {
    const gz = await parseFixture('mail-gem/attachment_emails/attachment_only_email.eml');
    expect(gz.attachments.map((a) => [a.filename, a.contentType])).toEqual([
      ['blah.gz', 'application/x-gzip'],
    ]);
    expect(isTicketCandidate(gz)).toBe(true);
    const png = await parseFixture('mailparser/base64encodedroot.eml');
    expect(png.attachments[0]?.filename).toBe('screenshot.png');
  });

  it('flags attachments over the limit and hashes the decoded bytes', async () => {
    const email = await parseFixture('mailparser/nodemailer.eml', 1000);
    const byName = new Map(email.attachments.map((a) => [a.filename, a]));
    expect(byName.get('nyan cat ✔.gif')?.tooLarge).toBe(true);
    expect(byName.get('notes.txt')?.tooLarge).toBe(false);
    const again = await parseFixture('mailparser/nodemailer.eml', 1000);
    expect(again.attachments.map((a) => a.sha256)).toEqual(email.attachments.map((a) => a.sha256));
  });

  it('does not copy inline image bytes into the HTML', async () => {
    const email = await parseFixture('mailparser/nodemailer.eml');
    expect(email.html).not.toContain('data:image');
  });
});

describe('HTML-only mail', () => {
  it('derives text from an alternative that has only an HTML part', async () => {
    const email = await parseFixture(
      'mail-gem/error_emails/content_transfer_encoding_text-html.eml',
    );
    expect(email.html).toContain('<p>');
    expect(email.text).toContain('You have qualified for the lowest rate in years.');
    expect(email.text).not.toContain('<');
  });

  it('derives text from a text/html root part', async () => {
    const email = await parseFixture('mailparser/spam.eml');
    expect(email.text).toContain('Heute verdient er 35 Millionen Euro pro Jahr');
    expect(email.text).not.toContain('<html');
  });

  it('derives text when the text part is present but empty', async () => {
    const raw = Buffer.from(
      [
        'From: Ana <ana@example.com>',
        'Subject: Broken export',
        'Content-Type: multipart/alternative; boundary=b',
        '',
        '--b',
        'Content-Type: text/plain',
        '',
        '',
        '--b',
        'Content-Type: text/html',
        '',
        '<p>The <b>CSV export</b> is empty.</p><blockquote>old</blockquote>',
        '--b--',
        '',
      ].join('\r\n'),
    );
    const email = await parseRawEmail(raw, PARSE_OPTIONS);
    expect(email.text).toContain('The CSV export is empty.');
  });
});

describe('headers', () => {
  it('normalises Message-ID, In-Reply-To and References', async () => {
    const email = await parseFixture('mail-gem/rfc2822/example07.eml');
    expect(email.messageId).toBe('abcd.1234@local.machine.tld');
    expect(email.inReplyTo).toBe('3456@example.net');
    expect(email.references).toEqual(['1234@local.machine.example', '3456@example.net']);
  });

  it('removes comments and whitespace from obsolete-syntax ids and dates', async () => {
    const email = await parseFixture('mail-gem/rfc2822/example13.eml');
    expect(email.messageId).toBe('1234@local.machine.example');
    expect(email.date?.toISOString()).toBe('1997-11-21T15:55:06.000Z');
  });

  it('treats an empty In-Reply-To as absent', async () => {
    const email = await parseFixture('mail-gem/error_emails/empty_in_reply_to.eml');
    expect(email.inReplyTo).toBeNull();
  });

  it('skips an unparseable reference and keeps the rest', async () => {
    const email = await parseFixture(
      'mail-gem/error_emails/multiple_references_with_one_invalid.eml',
    );
    expect(email.references).toEqual(['foo@bar.net', 'baz@bar.net']);
  });

  it.each([
    'mail-gem/error_emails/bad_date_header.eml',
    'mail-gem/error_emails/bad_date_header2.eml',
    'mail-gem/plain_emails/raw_email_with_bad_date.eml',
  ])('%s has a null date rather than "now"', async (name) => {
    expect((await parseFixture(name)).date).toBeNull();
  });

  it('reads the first of several From addresses', async () => {
    const email = await parseFixture('mail-gem/plain_emails/raw_email_with_at_display_name.eml');
    expect(email.from?.address).toBe('test@lindsaar.net');
    expect(email.from?.name).toBe('Mikel Lindsaar');
  });

  it('collects Delivered-To and X-Original-To and finds the plus token there', async () => {
    const raw = Buffer.from(
      [
        'Delivered-To: support+t_8Kx2@acme.example',
        'X-Original-To: help@acme.example',
        'From: Ana <ana@example.com>',
        'To: Acme <help@acme.example>',
        'Cc: Me <ana+shop@example.com>',
        'Subject: Re: Your ticket',
        '',
        'Still broken.',
        '',
      ].join('\r\n'),
    );
    const email = await parseRawEmail(raw, {
      ...PARSE_OPTIONS,
      supportAddress: 'support@acme.example',
    });
    expect(email.deliveredTo).toEqual(['support+t_8Kx2@acme.example', 'help@acme.example']);
    expect(email.plusToken).toBe('t_8Kx2');
    expect(email.cc).toEqual(['ana+shop@example.com']);
  });
});

describe('unusable input', () => {
  it.each([
    ['empty', Buffer.alloc(0)],
    ['whitespace', Buffer.from(' \r\n\r\n \t')],
    ['a single word', Buffer.from('asdf')],
  ])('throws EmailParseError for %s', async (_label, raw) => {
    await expect(parseRawEmail(raw, PARSE_OPTIONS)).rejects.toBeInstanceOf(EmailParseError);
  });

  it('reads a body after garbage headers best-effort', async () => {
    const email = await parseRawEmail(
      Buffer.from('garbage\u0000\r\n\r\nbody\u0000 text'),
      PARSE_OPTIONS,
    );
    expect(email.from).toBeNull();
    expect(email.text).toBe('body text');
  });
});
