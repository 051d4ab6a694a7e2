import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { emailInspect } from '../../../src/cli/commands/email-inspect.js';
import { EmailParseError } from '../../../src/ingest/email/errors.js';
import { EMAIL_DIR } from './fixtures.js';

describe('email inspect', () => {
  it('prints one JSON line describing the message', async () => {
    const lines: string[] = [];
    await emailInspect(path.join(EMAIL_DIR, 'mailparser/nodemailer.eml'), {
      write: (line) => lines.push(line),
    });
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toContain('\n');
    expect(JSON.parse(lines[0] ?? '')).toEqual({
      messageId: '012d606e-3550-2d94-b566-6cd996de88e3@kreata.ee',
      inReplyTo: null,
      references: [],
      from: { address: 'andris@kreata.ee', name: 'Andris Kreata' },
      subject: 'Nodemailer is unicode friendly ✔ (1476358788189)',
      textLength: 16,
      attachments: 4,
      automated: false,
      automatedReason: null,
    });
  });

  it('writes to stdout by default and reports bounces as automated', async () => {
    const chunks: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((chunk: string) => {
      chunks.push(chunk);
      return true;
    }) as typeof process.stdout.write;
    try {
      await emailInspect(path.join(EMAIL_DIR, 'mailparser/delivery-status.eml'));
    } finally {
      process.stdout.write = write;
    }
    expect(chunks).toHaveLength(1);
    expect(JSON.parse(chunks[0] ?? '')).toMatchObject({
      automated: true,
      automatedReason: 'multipart/report',
    });
  });

  it('rejects an unusable file with EmailParseError', async () => {
    const empty = path.join(EMAIL_DIR, '..', 'webhooks', 'sendgrid-inbound-parse', 'missing.eml');
    await expect(emailInspect(empty)).rejects.toThrow();
    await expect(emailInspect('/dev/null')).rejects.toBeInstanceOf(EmailParseError);
  });
});
