import type { CountryCode } from 'libphonenumber-js/max';
import { threadTask } from '../offload/pool.js';
import {
  type Candidate,
  detectCards,
  detectEmails,
  detectIbans,
  detectIps,
  detectNationalIds,
  detectUrlTokens,
  MASK,
  NATIONAL_ID_RULES,
  type NationalIdRule,
  type NationalIdRuleName,
  type PiiKind,
} from './detectors.js';
import { DEFAULT_PHONE_REGIONS, detectPhones } from './phone.js';
import { detectSecrets } from './secrets.js';

/**
 * PII redaction for customer text before a model sees it (and before anything else might log it).
 *
 * Each finding is replaced by a placeholder such as `[EMAIL_1]` or `[CARD_2]`. The same value gets
 * the same placeholder throughout one call (or one `RedactionSession`), so a model can still
 * reason that two mentions are the same address. Placeholders already present are left alone and
 * numbering continues after them, so redacting redacted text changes nothing.
 */

export type { NationalIdRule, NationalIdRuleName, PiiKind } from './detectors.js';

export const PII_KINDS: readonly PiiKind[] = [
  'email',
  'phone',
  'card',
  'iban',
  'secret',
  'national_id',
  'ip',
  'url_token',
];

/**
 * Everything except IP addresses: they are often what an engineer needs to debug ("blocked from
 * 203.0.113.7") and a weaker identifier than the rest. Opt in with `kinds` where they must go.
 */
export const DEFAULT_PII_KINDS: readonly PiiKind[] = PII_KINDS.filter((kind) => kind !== 'ip');

export interface RedactOptions {
  /** Which kinds to redact; default DEFAULT_PII_KINDS. */
  kinds?: readonly PiiKind[];
  /**
   * Regions whose national phone formats are recognised (numbers written with +country are
   * recognised everywhere). Default: US, GB, DE, FR, ES, IT, NL.
   */
  phoneRegions?: readonly CountryCode[];
  /** National identifier rules, by built-in name or custom; default all built-ins. */
  nationalIds?: readonly (NationalIdRuleName | NationalIdRule)[];
}

export interface PiiFinding {
  kind: PiiKind;
  /** UTF-16 offsets into the input text (not the output). */
  start: number;
  end: number;
}

export interface RedactionResult {
  text: string;
  findings: PiiFinding[];
}

const PLACEHOLDER_LABEL: Record<PiiKind, string> = {
  email: 'EMAIL',
  phone: 'PHONE',
  card: 'CARD',
  iban: 'IBAN',
  secret: 'SECRET',
  national_id: 'NATIONAL_ID',
  ip: 'IP',
  url_token: 'URL_TOKEN',
};
const MAX_PASSES = 3;
/**
 * Redaction reads at most this much of a text; the rest is dropped from the output, never passed
 * on unredacted. Models see a few thousand characters of a message at most, and a bound here keeps
 * one 16 MB message from costing minutes of CPU (libphonenumber and the card/IBAN walks are linear
 * but heavy per character). Callers that must keep more store the original, as intake does.
 */
export const MAX_REDACT_CHARS = 64_000;
const PLACEHOLDER = /\[(EMAIL|PHONE|CARD|IBAN|SECRET|NATIONAL_ID|IP|URL_TOKEN)_(\d{1,9})\]/g;

/**
 * Detectors run in this order and each sees the text with earlier findings masked: the most
 * specific patterns claim their spans first (a token in a link is a URL token, an API key is not
 * a phone number, an IBAN's digits are not a card), and libphonenumber, the most permissive, goes
 * last.
 */
const ORDER: readonly PiiKind[] = [
  'url_token',
  'secret',
  'email',
  'iban',
  'card',
  'national_id',
  'ip',
  'phone',
];

/** Redacts one text. Same value → same placeholder within the call. */
export function redactPII(text: string, opts: RedactOptions = {}): RedactionResult {
  return new RedactionSession().redact(text, opts);
}

/**
 * Texts longer than this are redacted on a worker thread (src/offload/pool.ts). Redaction costs
 * about ten milliseconds per thousand characters (libphonenumber and the card/IBAN walks), so a
 * normal ticket stays on the calling thread, where the hop would cost more than it saves, and a
 * 16k-character paste no longer holds the event loop for a fifth of a second.
 */
export const THREAD_REDACT_CHARS = 4_000;

const redactOnThread = threadTask<{ text: string; opts: RedactOptions }, RedactionResult>(
  import.meta.url,
  'thread',
  'redact',
);

/**
 * `redactPII`, off the event loop for long texts; the same result. Custom national-id rules (a
 * `validate` function cannot cross threads) keep the work here.
 */
export async function redactPIIOffLoop(
  text: string,
  opts: RedactOptions = {},
): Promise<RedactionResult> {
  const portable = (opts.nationalIds ?? []).every((rule) => typeof rule === 'string');
  if (text.length <= THREAD_REDACT_CHARS || !portable) return redactPII(text, opts);
  return redactOnThread({ text, opts });
}

/**
 * Redacts several fields of one ticket with shared placeholders (the email in the subject and in
 * the body both become `[EMAIL_1]`), each field with its own kinds if configured.
 */
export function redactFields<F extends string>(
  fields: Record<F, string>,
  policy: { default?: RedactOptions; fields?: Partial<Record<F, RedactOptions>> } = {},
): { fields: Record<F, string>; findings: Record<F, PiiFinding[]> } {
  const session = new RedactionSession();
  const out = {} as Record<F, string>;
  const findings = {} as Record<F, PiiFinding[]>;
  for (const name of Object.keys(fields) as F[]) {
    const result = session.redact(fields[name], { ...policy.default, ...policy.fields?.[name] });
    out[name] = result.text;
    findings[name] = result.findings;
  }
  return { fields: out, findings };
}

/** Placeholder numbering shared across several `redact` calls. */
export class RedactionSession {
  private readonly placeholders = new Map<string, string>();
  private readonly counters = new Map<PiiKind, number>();

  redact(input: string, opts: RedactOptions = {}): RedactionResult {
    const text = input.length > MAX_REDACT_CHARS ? cutAt(input, MAX_REDACT_CHARS) : input;
    // Detection depends a little on context (a label's look-ahead window, libphonenumber's view
    // of neighbouring digits), and placeholders are shorter than what they replace, so a second
    // pass over the output could, rarely, see something new. Repeating until nothing new turns up
    // makes redaction idempotent by construction; the second pass is almost always empty.
    let current = this.pass(text, opts);
    const findings = current.findings;
    let toInput = current.origin;
    for (let round = 0; round < MAX_PASSES - 1; round++) {
      const next = this.pass(current.text, opts);
      if (next.findings.length === 0) break;
      for (const f of next.findings) {
        const start = toInput[f.start] ?? 0;
        const end = (toInput[f.end - 1] ?? start) + 1;
        findings.push({ kind: f.kind, start, end });
      }
      const composed = new Int32Array(next.origin.length);
      for (let i = 0; i < next.origin.length; i++) {
        composed[i] = toInput[next.origin[i] ?? 0] ?? 0;
      }
      toInput = composed;
      current = next;
    }
    findings.sort((a, b) => a.start - b.start);
    return { text: current.text, findings };
  }

  /**
   * One detection pass. `origin[i]` is the index in `text` that output character i came from
   * (placeholder characters point at the start of what they replaced).
   */
  private pass(
    text: string,
    opts: RedactOptions,
  ): { text: string; findings: PiiFinding[]; origin: Int32Array } {
    const kinds = new Set(opts.kinds ?? DEFAULT_PII_KINDS);
    // taken[i] = 1 once character i belongs to a finding or an existing placeholder.
    const taken = new Uint8Array(text.length);
    const free = (c: { start: number; end: number }) => {
      for (let i = c.start; i < c.end; i++) if (taken[i]) return false;
      return true;
    };
    const claim = (c: { start: number; end: number }) => taken.fill(1, c.start, c.end);

    // Placeholders from an earlier pass are not data: hide them and number new ones after them.
    for (const m of text.matchAll(PLACEHOLDER)) {
      const kind = kindOfLabel(m[1] ?? '');
      if (kind) this.counters.set(kind, Math.max(this.counters.get(kind) ?? 0, Number(m[2])));
      claim({ start: m.index, end: m.index + m[0].length });
    }

    const accepted: Candidate[] = [];
    let working = masked(text, taken);
    for (const kind of ORDER) {
      if (!kinds.has(kind)) continue;
      const candidates = detect(kind, working, opts)
        .filter((c) => c.end > c.start)
        .sort((a, b) => a.start - b.start || b.end - b.start - (a.end - a.start));
      const before = accepted.length;
      for (const candidate of candidates) {
        if (!free(candidate)) continue;
        accepted.push(candidate);
        claim(candidate);
      }
      if (accepted.length > before) working = masked(text, taken);
    }

    // A value found once is redacted wherever else it appears ("password: Sommer2024! … yes,
    // Sommer2024!", "Tel: 030 1234567 … 030 1234567"): a second mention may lack the label that
    // gave the first away, but it is the same value.
    const repeated = new Set<string>();
    for (const found of [...accepted]) {
      const value = text.slice(found.start, found.end);
      if (value.length < 6 || repeated.has(value) || repeated.size >= 200) continue;
      repeated.add(value);
      for (let at = text.indexOf(value); at >= 0; at = text.indexOf(value, at + 1)) {
        const repeat = { ...found, start: at, end: at + value.length };
        if (!free(repeat)) continue;
        accepted.push(repeat);
        claim(repeat);
      }
    }

    accepted.sort((a, b) => a.start - b.start);
    let output = '';
    const origin: number[] = [];
    let cursor = 0;
    const copy = (from: number, to: number) => {
      output += text.slice(from, to);
      for (let i = from; i < to; i++) origin.push(i);
    };
    for (const finding of accepted) {
      copy(cursor, finding.start);
      const placeholder = this.placeholderFor(finding);
      output += placeholder;
      for (let i = 0; i < placeholder.length; i++) origin.push(finding.start);
      cursor = finding.end;
    }
    copy(cursor, text.length);
    return {
      text: output,
      findings: accepted.map(({ kind, start, end }) => ({ kind, start, end })),
      origin: Int32Array.from(origin),
    };
  }

  private placeholderFor(finding: Candidate): string {
    const identity = `${finding.kind}\u0000${finding.key}`;
    const existing = this.placeholders.get(identity);
    if (existing) return existing;
    const next = (this.counters.get(finding.kind) ?? 0) + 1;
    this.counters.set(finding.kind, next);
    const placeholder = `[${PLACEHOLDER_LABEL[finding.kind]}_${next}]`;
    this.placeholders.set(identity, placeholder);
    return placeholder;
  }
}

/** Convenience for log lines and other places that only want the text. */
/** The first `max` characters, without splitting a surrogate pair. */
function cutAt(text: string, max: number): string {
  const code = text.charCodeAt(max - 1);
  return text.slice(0, code >= 0xd800 && code <= 0xdbff ? max - 1 : max);
}

export function redactText(text: string, opts?: RedactOptions): string {
  return redactPII(text, opts).text;
}

function detect(kind: PiiKind, text: string, opts: RedactOptions): Candidate[] {
  switch (kind) {
    case 'secret':
      return detectSecrets(text);
    case 'url_token':
      return detectUrlTokens(text);
    case 'email':
      return detectEmails(text);
    case 'iban':
      return detectIbans(text);
    case 'card':
      return detectCards(text);
    case 'national_id':
      return detectNationalIds(text, nationalIdRules(opts.nationalIds));
    case 'ip':
      return detectIps(text);
    case 'phone':
      return detectPhones(text, opts.phoneRegions ?? DEFAULT_PHONE_REGIONS);
  }
}

function nationalIdRules(configured: RedactOptions['nationalIds']): readonly NationalIdRule[] {
  if (!configured) return Object.values(NATIONAL_ID_RULES);
  return configured.map((rule) => (typeof rule === 'string' ? NATIONAL_ID_RULES[rule] : rule));
}

/** The text with every taken character replaced by MASK (same length, so offsets hold). */
function masked(text: string, taken: Uint8Array): string {
  let out = '';
  let runStart = 0;
  for (let i = 0; i <= text.length; i++) {
    if (i === text.length || taken[i]) {
      out += text.slice(runStart, i);
      if (i < text.length) out += MASK;
      runStart = i + 1;
    }
  }
  return out;
}

function kindOfLabel(label: string): PiiKind | undefined {
  return PII_KINDS.find((kind) => PLACEHOLDER_LABEL[kind] === label);
}
