import { domainToASCII } from 'node:url';
import { z } from 'zod';
import { invalidMessage } from './errors.js';

// Header injection needs a line break to reach nodemailer. nodemailer encodes whatever it gets,
// but we do not rely on that: human text (subjects, display names) is cleaned, and structural
// values (addresses, ids, custom headers) are refused, so a bug upstream shows up as an error
// rather than as a silently altered header.

// C0 controls (tab, CR and LF included), DEL, C1 controls (NEL included), the Unicode line and
// paragraph separators, and bidi embedding/override/isolate controls (they let a display name
// render as something else, and no real name needs them).
const LINE_BREAKS = /[\r\n\t\v\f\u0085\u2028\u2029]+/g;
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const OTHER_CONTROLS = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const ANY_CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;
const HAS_LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export const MAX_SUBJECT_CHARS = 400;
export const MAX_NAME_CHARS = 200;
const MAX_HEADER_VALUE_CHARS = 900;
const MAX_ADDRESS_CHARS = 254;
// Long enough for any id real mail clients generate; short enough that In-Reply-To stays one line.
const MAX_MESSAGE_ID_CHARS = 500;

/** Subject or display name made safe for one header line: breaks become spaces, controls go. */
export function cleanHeaderText(value: string, maxChars: number): string {
  const cleaned = value
    .replace(LINE_BREAKS, ' ')
    .replace(OTHER_CONTROLS, '')
    .replace(LONE_SURROGATE, '\uFFFD')
    .replace(/ {2,}/g, ' ')
    .trim();
  return Array.from(cleaned).slice(0, maxChars).join('');
}

// zod's default pattern, widened to all of RFC 5322 dot-atom on the left (atext carries no header
// specials) and to punycode TLDs on the right (`xn--p1ai`, the ASCII form of .рф, fails the
// default, so would every address in an internationalised TLD after domainToASCII).
const ATEXT = "[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]";
const LABEL = '[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?';
const ADDRESS = new RegExp(
  `^${ATEXT}+(?:\\.${ATEXT}+)*@(?:${LABEL}\\.)+(?:[A-Za-z]{2,63}|xn--[A-Za-z0-9-]{1,59})$`,
);
const emailSchema = z.email({ pattern: ADDRESS });

/**
 * The address in the form we send to (domain in ASCII/punycode, as SMTP needs it), or null when
 * it is not a plain deliverable mailbox. Anything with whitespace or a control character fails.
 */
export function normalizeAddress(address: string): string | null {
  const trimmed = address.trim();
  if (trimmed.length === 0 || trimmed.length > MAX_ADDRESS_CHARS) return null;
  if (/[\s<>"]/u.test(trimmed) || ANY_CONTROL.test(trimmed)) return null;
  const at = trimmed.lastIndexOf('@');
  if (at <= 0 || at === trimmed.length - 1) return null;
  const local = trimmed.slice(0, at);
  // domainToASCII returns '' for an invalid domain (and handles internationalised ones).
  const domain = domainToASCII(trimmed.slice(at + 1));
  if (domain === '') return null;
  const candidate = `${local}@${domain.toLowerCase()}`;
  if (candidate.length > MAX_ADDRESS_CHARS) return null;
  return emailSchema.safeParse(candidate).success ? candidate : null;
}

export function requireAddress(address: string, what: string): string {
  const normalized = normalizeAddress(address);
  if (normalized === null) throw invalidMessage(`${what} is not a valid email address`);
  return normalized;
}

// Message ids we put in headers: atext on the left, atext or a domain literal on the right. The
// ids we answer come from customers' mail clients and are kept when they fit this; ids that do
// not are dropped from References rather than risk a header other software cannot parse.
const ID_LEFT = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+$/;
const ID_RIGHT = /^(?:[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+|\[[\x21-\x5a\x5e-\x7e]*\])$/;

export function isValidMessageId(id: string): boolean {
  if (id.length === 0 || id.length > MAX_MESSAGE_ID_CHARS) return false;
  const at = id.lastIndexOf('@');
  if (at <= 0 || at === id.length - 1) return false;
  return ID_LEFT.test(id.slice(0, at)) && ID_RIGHT.test(id.slice(at + 1));
}

/** Accepts `id`, `<id>` or ` <id> `; returns the bare id or null. */
export function bareMessageId(value: string): string | null {
  const trimmed = value.trim();
  const id = trimmed.startsWith('<') && trimmed.endsWith('>') ? trimmed.slice(1, -1) : trimmed;
  return isValidMessageId(id) ? id : null;
}

// Headers the mailer sets itself; letting a caller override them would undo threading and loop
// protection.
const RESERVED_HEADERS = new Set(['x-auto-response-suppress', 'x-mailer']);
const CUSTOM_HEADER_NAME = /^X-[A-Za-z0-9][A-Za-z0-9-]{0,60}$/i;

/** Custom headers must be `X-…` names with single-line printable values; anything else throws. */
export function validateCustomHeaders(
  headers: Record<string, string> | undefined,
): Record<string, string> {
  const out: Record<string, string> = {};
  if (!headers) return out;
  for (const [name, value] of Object.entries(headers)) {
    if (!CUSTOM_HEADER_NAME.test(name)) {
      throw invalidMessage(`custom header name ${JSON.stringify(name)} is not an X- header name`);
    }
    if (RESERVED_HEADERS.has(name.toLowerCase())) {
      throw invalidMessage(`header ${name} is set by the mailer and cannot be overridden`);
    }
    if (typeof value !== 'string' || ANY_CONTROL.test(value) || HAS_LONE_SURROGATE.test(value)) {
      throw invalidMessage(`header ${name} has a value with a line break or control character`);
    }
    if (value.length > MAX_HEADER_VALUE_CHARS) {
      throw invalidMessage(`header ${name} is longer than ${MAX_HEADER_VALUE_CHARS} characters`);
    }
    out[name] = value;
  }
  return out;
}
