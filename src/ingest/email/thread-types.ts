import type { EmailCore } from './build.js';
import type { EmailParseErrorCode } from './errors.js';
import type { InboundEmail, InboundParseOptions } from './types.js';

/** What a provider adds to a message it also hands over raw: its sender field and envelope. */
export interface MimeExtras {
  /** Used when the message itself names no sender. */
  fallbackFrom?: EmailCore['from'];
  /** Envelope recipients, added to `deliveredTo`. */
  envelope?: readonly string[];
}

/**
 * A thread task's answer (thread.ts, run by src/offload/pool.ts). "Bad input" comes back as a
 * value: an error thrown there reaches the caller as a plain Error (its class and code do not
 * cross threads). The body and the HTML come back as UTF-8 bytes, moved rather than copied, and
 * are decoded a slice per event-loop turn (`decodeInTurns`).
 */
export type ThreadResult =
  | { ok: true; email: ThreadEmail }
  | { ok: false; code: EmailParseErrorCode; message: string; field: string | null };

export type ThreadEmail = Omit<InboundEmail, 'text' | 'html'> & {
  text: Uint8Array;
  html: Uint8Array | null;
};

export interface ThreadParseTask {
  raw: Uint8Array;
  opts: InboundParseOptions;
  extras: MimeExtras;
}

export interface ThreadFinalizeTask {
  core: EmailCore;
  opts: InboundParseOptions;
}
