/** One attachment, described but not kept: ticket intake stores metadata, never the bytes. */
export interface InboundAttachment {
  filename: string | null;
  contentType: string;
  /** Decoded size in bytes. */
  size: number;
  /** Content-ID without angle brackets, for inline images referenced as `cid:` from the HTML. */
  contentId: string | null;
  /** Hex SHA-256 of the decoded content; '' when the channel gave neither bytes nor a digest. */
  sha256: string;
  /** Larger than the caller's `maxAttachmentBytes`. */
  tooLarge: boolean;
}

export interface InboundEmail {
  /** RFC 5322 Message-ID without angle brackets, comments or whitespace. */
  messageId: string | null;
  inReplyTo: string | null;
  /** Oldest first, as in the header; same normalisation as `messageId`. */
  references: string[];
  from: { address: string; name: string | null } | null;
  to: string[];
  cc: string[];
  /**
   * Where the message was actually delivered: Delivered-To, X-Original-To and Envelope-To headers,
   * plus the envelope recipients a provider reports (Mailgun `recipient`, SendGrid `envelope.to`,
   * Postmark `OriginalRecipient`). Bcc'd support addresses only show up here.
   */
  deliveredTo: string[];
  subject: string;
  /** The Date header; null when it is missing or unparseable (never "now"). */
  date: Date | null;
  /** Full text body, `\n` line endings; derived from the HTML when the message has no text. */
  text: string;
  html: string | null;
  /** `text` without the quoted earlier messages and the signature. */
  strippedText: string;
  attachments: InboundAttachment[];
  automated: boolean;
  /** The first signal found, e.g. "auto-submitted: auto-replied", "multipart/report". */
  automatedReason: string | null;
  /** `<token>` from a `support+<token>@domain` recipient. */
  plusToken: string | null;
}

export interface InboundParseOptions {
  maxAttachmentBytes: number;
  /** The support mailbox, e.g. `support@acme.example`; narrows plus-token and list detection. */
  supportAddress?: string;
}

/** A header as received: name as written, value unfolded but not decoded. */
export interface HeaderField {
  name: string;
  value: string;
}

export type HeaderList = readonly HeaderField[];
