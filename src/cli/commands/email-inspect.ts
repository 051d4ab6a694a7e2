import { readFile } from 'node:fs/promises';
import { parseRawEmail } from '../../ingest/email/parse.js';

export interface EmailInspectOptions {
  /** Same meaning as the MAX_ATTACHMENT_BYTES setting; only marks attachments as too large. */
  maxAttachmentBytes?: number;
  supportAddress?: string;
  write?: (line: string) => void;
}

// The configured default; inspecting a file should not need the service's environment.
const DEFAULT_MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024;

/** Parses a .eml file as intake would and prints one JSON line describing it. */
export async function emailInspect(file: string, options: EmailInspectOptions = {}): Promise<void> {
  const raw = await readFile(file);
  const email = await parseRawEmail(raw, {
    maxAttachmentBytes: options.maxAttachmentBytes ?? DEFAULT_MAX_ATTACHMENT_BYTES,
    supportAddress: options.supportAddress,
  });
  const line = JSON.stringify({
    messageId: email.messageId,
    inReplyTo: email.inReplyTo,
    references: email.references,
    from: email.from,
    subject: email.subject,
    textLength: email.text.length,
    attachments: email.attachments.length,
    automated: email.automated,
    automatedReason: email.automatedReason,
  });
  const write = options.write ?? ((text: string) => process.stdout.write(`${text}\n`));
  write(line);
}
