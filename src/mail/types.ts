/** One reply to one customer, as the deliver step hands it to a {@link Mailer}. */
export interface OutboundEmail {
  to: { address: string; name?: string | null };
  subject: string;
  text: string;
  /** HTML alternative; an empty string means "render it from `text`" (see renderHtmlFromText). */
  html: string;
  /**
   * Our Message-ID without angle brackets, from newMessageId(). The deliver step creates it before
   * the first attempt and keeps it for retries, so a retried send is the same message to the
   * customer's mail client.
   */
  messageId: string;
  /** Message-ID (without <>) of the customer message being answered. */
  inReplyTo?: string | null;
  /** Earlier ids of the thread, oldest first, without <>. */
  references?: string[];
  /** `support+<token>@domain`, from replyAddress(). */
  replyTo: string;
  /** True when sent without human approval → `Auto-Submitted: auto-replied` (RFC 3834). */
  autoSubmitted?: boolean;
  /** Extra `X-…` headers, e.g. `X-Deskpilot-Ticket`. */
  headers?: Record<string, string>;
}

export interface SendResult {
  /** Our Message-ID without angle brackets (the same as OutboundEmail.messageId). */
  messageId: string;
  accepted: string[];
  rejected: string[];
  /** The server's final reply, e.g. `250 2.0.0 Ok: queued as 4F1A2`. */
  response: string;
}

/**
 * Outbound email. `send` throws MailSendError, whose `permanent` flag tells the caller whether a
 * retry can succeed.
 */
export interface Mailer {
  send(mail: OutboundEmail): Promise<SendResult>;
  /** Connects (and authenticates) once; for readiness checks and boot-time diagnostics. */
  verify(): Promise<void>;
  /** Waits briefly for sends in flight, then closes pooled connections. */
  close(): Promise<void>;
}

/** The mailbox replies are sent from (the From header and the SMTP envelope sender). */
export interface MailSender {
  address: string;
  name?: string | null;
}
