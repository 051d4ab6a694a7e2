import { detectEmails } from '../privacy/detectors.js';

/**
 * SMTP replies name the recipient ("550 5.1.1 <ana@example.org>: Recipient address rejected"),
 * and these messages go to logs, alerts and the delivery's last error: addresses become
 * `[address]` there. Long replies are cut first (the detector is linear; this keeps it small).
 */
export function withoutAddresses(text: string): string {
  const head = text.length > 2_000 ? text.slice(0, 2_000) : text;
  let out = '';
  let at = 0;
  for (const found of detectEmails(head)) {
    out += `${head.slice(at, found.start)}[address]`;
    at = found.end;
  }
  return out + head.slice(at);
}

/**
 * Why a send failed, in the terms the deliver step needs: retry (`permanent: false`) or give up
 * and tell an agent (`permanent: true`).
 */
export class MailSendError extends Error {
  override readonly name = 'MailSendError';
  readonly permanent: boolean;
  /** SMTP reply code when the server answered (421, 450, 550, …). */
  readonly smtpCode?: number;
  /** nodemailer's error code (ECONNECTION, ETIMEDOUT, EENVELOPE, …) or ours (EINVALID, ECLOSED). */
  readonly code?: string;
  /** The server's reply text, when there was one. */
  readonly response?: string;

  constructor(
    message: string,
    options: {
      permanent: boolean;
      smtpCode?: number;
      code?: string;
      response?: string;
      cause?: unknown;
    },
  ) {
    super(
      withoutAddresses(message),
      options.cause === undefined ? undefined : { cause: options.cause },
    );
    this.permanent = options.permanent;
    if (options.smtpCode !== undefined) this.smtpCode = options.smtpCode;
    if (options.code !== undefined) this.code = options.code;
    if (options.response !== undefined) this.response = withoutAddresses(options.response);
  }
}

/** A message we refuse to hand to SMTP (bad address, header injection attempt). Never retried. */
export function invalidMessage(message: string): MailSendError {
  return new MailSendError(message, { permanent: true, code: 'EINVALID' });
}

// Failures without an SMTP reply that no retry can fix: the message or envelope itself is wrong.
const PERMANENT_CODES = new Set([
  'EINVALID',
  'ECONFIG',
  'EENVELOPE',
  'EMAXRECIPIENTS',
  'EFILEACCESS',
  'EURLACCESS',
]);

// 530 authentication (or STARTTLS) required, 534 mechanism too weak, 535 bad credentials, 538
// encryption required: the relay refuses *us*, not the message.
const AUTH_REPLIES = new Set([530, 534, 535, 538]);

interface SmtpErrorFields {
  code?: unknown;
  responseCode?: unknown;
  response?: unknown;
  message?: unknown;
}

/**
 * Sorts a nodemailer (or socket) error into transient or permanent.
 *
 * - A 5xx reply is permanent (RFC 5321: the same message will be refused again), except 503 "bad
 *   sequence of commands", which is about the session, not the message.
 * - A 4xx reply (greylisting, mailbox busy, 421 shutting down) is transient.
 * - Authentication failures are transient although the server answers 530/535: wrong or missing
 *   credentials are an operator's problem, and the replies must go out once SMTP_URL is fixed,
 *   not be dropped. (Postfix defers on SASL failures for the same reason.)
 * - No reply at all (connection refused or dropped, timeouts, TLS, DNS) is transient.
 */
export function classifySmtpError(error: unknown): MailSendError {
  if (error instanceof MailSendError) return error;
  const fields: SmtpErrorFields = typeof error === 'object' && error !== null ? error : {};
  const code = typeof fields.code === 'string' ? fields.code : undefined;
  const smtpCode = typeof fields.responseCode === 'number' ? fields.responseCode : undefined;
  const response = typeof fields.response === 'string' ? fields.response : undefined;
  const message =
    typeof fields.message === 'string' && fields.message !== '' ? fields.message : String(error);

  let permanent: boolean;
  if (code === 'EAUTH' || code === 'ENOAUTH' || code === 'EOAUTH2') permanent = false;
  else if (smtpCode !== undefined && AUTH_REPLIES.has(smtpCode)) permanent = false;
  else if (smtpCode !== undefined)
    permanent = smtpCode >= 500 && smtpCode < 600 && smtpCode !== 503;
  else permanent = code !== undefined && PERMANENT_CODES.has(code);

  return new MailSendError(message, {
    permanent,
    ...(smtpCode !== undefined && { smtpCode }),
    ...(code !== undefined && { code }),
    ...(response !== undefined && { response }),
    cause: error,
  });
}
