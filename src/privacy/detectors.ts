import { isIPv4, isIPv6 } from 'node:net';
import { ibanValid, luhnValid, spanishIdValid } from './checksums.js';

/**
 * Detectors for structured personal data. Each returns candidate spans over the text it is given;
 * redact.ts decides between overlapping candidates and writes the placeholders.
 *
 * Customer text is attacker-controlled, so every pattern with an unbounded repetition starts with
 * a negative lookbehind of its own character class: a match can only begin at the start of a run,
 * which keeps scanning linear instead of retrying from every position of a long run.
 */

export type PiiKind =
  | 'email'
  | 'phone'
  | 'card'
  | 'iban'
  | 'secret'
  | 'national_id'
  | 'ip'
  | 'url_token';

export interface Candidate {
  kind: PiiKind;
  start: number;
  end: number;
  /** Normalised value: equal keys get the same placeholder. */
  key: string;
}

/**
 * Stands in for text already claimed by an earlier detector or an existing placeholder. It is no
 * letter, digit, space or separator, so it ends every run the patterns look for.
 */
export const MASK = '\uFFFC';

// ─── email ──────────────────────────────────────────────────────────────────────────────────────

const EMAIL =
  /(?<![\p{L}\p{N}._%+'-])[\p{L}\p{N}._%+'-]+@(?:[\p{L}\p{N}](?:[\p{L}\p{N}-]{0,61}[\p{L}\p{N}])?\.)+\p{L}{2,24}(?![\p{L}\p{N}-])/gu;

export function detectEmails(text: string): Candidate[] {
  const out: Candidate[] = [];
  for (const m of text.matchAll(EMAIL)) {
    let start = m.index;
    // A local part cannot start with a dot or a quote; those belong to the sentence.
    while (start < m.index + m[0].length && /[.'%+-]/.test(text[start] ?? '')) start++;
    const end = m.index + m[0].length;
    const value = text.slice(start, end);
    if (!value.includes('@') || value.startsWith('@')) continue;
    out.push({ kind: 'email', start, end, key: value.toLowerCase() });
  }
  return out;
}

// ─── payment cards ──────────────────────────────────────────────────────────────────────────────

/** Digit groups separated by single spaces or dashes, not glued to letters, '+' or other digits. */
const DIGIT_RUN = /(?<![\p{L}\p{N}+])\d+(?:[ -]\d+)*/gu;

/**
 * Card numbers: 13–19 digits, one consistent separator, a valid Luhn check digit, and no leading
 * zero (no card network issues numbers starting with 0, while 00-prefixed phone numbers do).
 * Candidates are whole digit groups, so "4111 1111 1111 1111 12/27" yields the card and not a
 * 18-digit run that fails Luhn.
 */
export function detectCards(text: string): Candidate[] {
  const out: Candidate[] = [];
  for (const m of text.matchAll(DIGIT_RUN)) {
    if (/[\p{L}\p{N}]/u.test(text[m.index + m[0].length] ?? '')) continue;
    const groups: { start: number; end: number; sep: string }[] = [];
    for (const g of m[0].matchAll(/\d+/g)) {
      groups.push({ start: m.index + g.index, end: m.index + g.index + g[0].length, sep: '' });
    }
    for (let i = 1; i < groups.length; i++) {
      const group = groups[i];
      if (group) group.sep = text[group.start - 1] ?? '';
    }
    let i = 0;
    while (i < groups.length) {
      let accepted = -1;
      let digits = '';
      for (let j = i; j < groups.length; j++) {
        const group = groups[j];
        if (!group) break;
        if (j > i + 1 && group.sep !== groups[i + 1]?.sep) break;
        digits += text.slice(group.start, group.end);
        if (digits.length > 19) break;
        if (
          digits.length >= 13 &&
          digits[0] !== '0' &&
          !/^(\d)\1+$/.test(digits) &&
          luhnValid(digits)
        ) {
          accepted = j;
        }
      }
      const first = groups[i];
      const last = groups[accepted];
      if (first && last) {
        const value = text.slice(first.start, last.end).replace(/\D/g, '');
        out.push({ kind: 'card', start: first.start, end: last.end, key: value });
        i = accepted + 1;
      } else {
        i++;
      }
    }
  }
  return out;
}

// ─── IBAN ───────────────────────────────────────────────────────────────────────────────────────

const IBAN_START = /(?<![\p{L}\p{N}])[A-Z]{2}\d{2}(?: ?[A-Z0-9]){8,32}/giu;

/** IBANs with or without spaces, validated by country length and the mod-97 checksum. */
export function detectIbans(text: string): Candidate[] {
  const out: Candidate[] = [];
  for (const m of text.matchAll(IBAN_START)) {
    const raw = m[0];
    const country = raw.slice(0, 2).toUpperCase();
    // Walk the match taking characters until the country's length is reached, so a following
    // word ("… 0130 00 BIC COBADEFF") is not swallowed.
    let compact = '';
    let end = m.index;
    for (let k = 0; k < raw.length; k++) {
      const ch = raw[k] as string;
      if (ch === ' ') continue;
      compact += ch.toUpperCase();
      end = m.index + k + 1;
      if (compact.length >= 34 || ibanValid(compact)) break;
    }
    if (!ibanValid(compact) || compact.slice(0, 2) !== country) continue;
    if (/[\p{L}\p{N}]/u.test(text[end] ?? '')) continue;
    out.push({ kind: 'iban', start: m.index, end, key: compact });
  }
  return out;
}

// ─── national identifiers ───────────────────────────────────────────────────────────────────────

export interface NationalIdRule {
  name: string;
  /** Must have the `g` flag. */
  pattern: RegExp;
  /** Extra validation of the matched text (check digits, reserved ranges). */
  validate?: (match: string) => boolean;
}

export const NATIONAL_ID_RULES = {
  /** US Social Security Number, dashed; area 000/666/9xx, group 00 and serial 0000 are never issued. */
  us_ssn: {
    name: 'us_ssn',
    pattern:
      /(?<![\p{L}\p{N}-])(?!000|666|9\d\d)\d{3}-(?!00)\d{2}-(?!0000)\d{4}(?![\p{L}\p{N}]|-\d)/gu,
  },
  /** UK National Insurance number (prefixes the DWP never allocates are excluded). */
  uk_nino: {
    name: 'uk_nino',
    pattern:
      /(?<![\p{L}\p{N}])(?!BG|GB|NK|KN|NT|TN|ZZ)[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z] ?\d{2} ?\d{2} ?\d{2} ?[A-D](?![\p{L}\p{N}])/gu,
  },
  /** Spanish DNI and NIE, accepted only with the right control letter. */
  es_dni: {
    name: 'es_dni',
    pattern: /(?<![\p{L}\p{N}])(?:[XYZxyz]-?\d{7}|\d{8})-?[A-Za-z](?![\p{L}\p{N}])/gu,
    validate: (match: string) => spanishIdValid(match.replace(/-/g, '')),
  },
} satisfies Record<string, NationalIdRule>;

export type NationalIdRuleName = keyof typeof NATIONAL_ID_RULES;

export function detectNationalIds(text: string, rules: readonly NationalIdRule[]): Candidate[] {
  const out: Candidate[] = [];
  for (const rule of rules) {
    for (const m of text.matchAll(rule.pattern)) {
      if (rule.validate && !rule.validate(m[0])) continue;
      const key = `${rule.name}:${m[0].replace(/[\s-]/g, '').toUpperCase()}`;
      out.push({ kind: 'national_id', start: m.index, end: m.index + m[0].length, key });
    }
  }
  return out;
}

// ─── IP addresses ───────────────────────────────────────────────────────────────────────────────

const IPV4 = /(?<![\p{L}\p{N}.])\d{1,3}(?:\.\d{1,3}){3}(?![\p{L}\p{N}]|\.\d)/gu;
const VERSION_BEFORE =
  /(?<![\p{L}])(?:version|ver\.?|v|build|release|firmware|chrome|firefox|safari|edge|node|ios|android)\s*$/iu;
const IPV6 =
  /(?<![\p{L}\p{N}:.])[0-9a-f]{0,4}(?::[0-9a-f]{0,4}){2,7}(?:\.\d{1,3}){0,3}(?![\p{L}\p{N}:])/giu;

export function detectIps(text: string): Candidate[] {
  const out: Candidate[] = [];
  for (const m of text.matchAll(IPV4)) {
    if (!isIPv4(m[0])) continue;
    // "Version 10.2.1.5", "Chrome 120.0.1.2": four-part version numbers are not addresses.
    if (VERSION_BEFORE.test(text.slice(Math.max(0, m.index - 20), m.index))) continue;
    out.push({ kind: 'ip', start: m.index, end: m.index + m[0].length, key: m[0] });
  }
  for (const m of text.matchAll(IPV6)) {
    const value = m[0];
    // "10:30:00" is a time, "a::b" too little to be sure; real addresses carry more hex digits.
    if (!isIPv6(value) || (value.match(/[0-9a-f]/gi)?.length ?? 0) < 3) continue;
    out.push({ kind: 'ip', start: m.index, end: m.index + value.length, key: value.toLowerCase() });
  }
  return out;
}

// ─── tokens inside URLs ─────────────────────────────────────────────────────────────────────────

const URL_PATTERN = /\bhttps?:\/\/[^\s<>"'`\uFFFC]+/giu;
// biome-ignore format: a word list reads better packed than one entry per line
const SENSITIVE_PARAMS = new Set([
  'token', 'access_token', 'id_token', 'refresh_token', 'auth', 'auth_token', 'authorization',
  'api_key', 'apikey', 'api-key', 'key', 'secret', 'client_secret', 'password', 'pass', 'pwd',
  'sig', 'signature', 'x-amz-signature', 'x-amz-credential', 'x-amz-security-token', 'code',
  'session', 'sessionid', 'session_id', 'sid', 'jwt', 'otp', 'reset_token', 'invite_token',
  'confirmation_token', 'verification_token', 'magic',
]);
const SENSITIVE_PATH_WORDS =
  /^(?:reset|reset-password|password-reset|password|verify|verification|confirm|confirmation|invite|invitation|magic|magic-link|activate|activation|token|tokens|unsubscribe|login|auth|sso|share|s)$/i;

/**
 * Credentials that ride in links customers paste: userinfo passwords, sensitive query or fragment
 * parameters, and random-looking path segments after words like /reset/ or /invite/.
 */
export function detectUrlTokens(text: string): Candidate[] {
  const out: Candidate[] = [];
  for (const m of text.matchAll(URL_PATTERN)) {
    const url = m[0].replace(/[.,;:!?)\]}>]+$/, '');
    const base = m.index;
    const add = (start: number, end: number) => {
      if (end - start < 4) return;
      out.push({
        kind: 'url_token',
        start: base + start,
        end: base + end,
        key: url.slice(start, end),
      });
    };
    const userinfo = /^https?:\/\/[^/?#@:]+:([^/?#@]+)@/i.exec(url);
    if (userinfo?.[1]) add(userinfo[0].length - 1 - userinfo[1].length, userinfo[0].length - 1);

    const pathStart = url.indexOf('/', url.indexOf('//') + 2);
    const queryStart = url.search(/[?#]/);
    if (pathStart >= 0) {
      const pathEnd = queryStart >= 0 ? queryStart : url.length;
      let previous = '';
      let offset = pathStart + 1;
      for (const segment of url.slice(pathStart + 1, pathEnd).split('/')) {
        if (SENSITIVE_PATH_WORDS.test(previous) && looksRandom(segment, 16)) {
          add(offset, offset + segment.length);
        }
        previous = segment;
        offset += segment.length + 1;
      }
    }
    if (queryStart >= 0) {
      for (const p of url.slice(queryStart).matchAll(/[?&#;]([^=&#;]+)=([^&#;]*)/g)) {
        const name = safeDecode(p[1] ?? '').toLowerCase();
        const value = p[2] ?? '';
        if (!SENSITIVE_PARAMS.has(name) || value.length < 4) continue;
        const valueStart = queryStart + p.index + p[0].length - value.length;
        add(valueStart, valueStart + value.length);
      }
    }
  }
  return out;
}

// ─── shared helpers ─────────────────────────────────────────────────────────────────────────────

/** Shannon entropy in bits per character. */
export function entropy(value: string): number {
  const counts = new Map<string, number>();
  for (const ch of value) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let bits = 0;
  for (const count of counts.values()) {
    const p = count / value.length;
    bits -= p * Math.log2(p);
  }
  return bits;
}

/** A machine-made string: long enough, mixes character classes, and varied. */
export function looksRandom(value: string, minLength: number): boolean {
  if (value.length < minLength) return false;
  const classes =
    Number(/[a-z]/.test(value)) + Number(/[A-Z]/.test(value)) + Number(/\d/.test(value));
  return classes >= 2 && entropy(value) >= 3;
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
