import { headerValues } from './headers.js';
import type { HeaderList } from './types.js';

export interface AutomationSignals {
  headers: HeaderList;
  fromAddress: string | null;
  subject: string;
  /** Top-level media type (`multipart/report`); read from the Content-Type header when null. */
  contentType: string | null;
  /** Our mailbox: a List-Id naming it (support@ run as a Google Group) is not a mailing list. */
  supportAddress?: string;
}

export interface AutomationVerdict {
  automated: boolean;
  reason: string | null;
}

const MAX_REASON_VALUE = 120;

function verdict(reason: string): AutomationVerdict {
  return { automated: true, reason: reason.slice(0, MAX_REASON_VALUE + 40) };
}

/** First token of a structured value, lowercased: `auto-replied; owner=...` → `auto-replied`. */
function leadingToken(value: string): string {
  return (
    value
      .replace(/\([^()]*\)/g, ' ')
      .split(/[;\s]/)
      .find((part) => part.length > 0)
      ?.toLowerCase() ?? ''
  );
}

const AUTOREPLY_HEADERS = ['x-autoreply', 'x-autorespond', 'x-autoresponder'];
const NEGATIVE = new Set(['', 'no', 'false', '0', 'none']);
const BULK_PRECEDENCE = new Set(['bulk', 'list', 'junk', 'auto_reply']);

// Role mailboxes that never read replies. Matched as a whole local part or as a dash/dot-separated
// piece of one (`mail-noreply@google.com`, `noreply.billing@…`).
const ROLE_LOCAL_PART =
  /(^|[._+-])(mailer-daemon|postmaster|no-?reply|no_reply|do-?not-?reply|do_not_reply|donotreply)([._+-]|$)/i;

// Reply and forward prefixes in the languages below, so "AW: Abwesenheitsnotiz: …" still matches.
const SUBJECT_PREFIXES =
  /^(?:(?:re|aw|sv|vs|fw|fwd|wg|tr|rv|res|enc|antw|odp|doorst|rif|r)\s*(?:\[\d+\])?\s*:\s*)+/;

// Auto-reply phrases only count at the start of the subject followed by a separator (or in
// brackets): "Automatic reply: Order 4411" is a robot, "Automatic reply rules ignore me" is a
// customer with a problem.
const AUTO_REPLY_PHRASES = [
  // en
  'out of office',
  'out of the office',
  'out of office reply',
  'out of office autoreply',
  'automatic reply',
  'auto reply',
  'auto-reply',
  'autoreply',
  'auto response',
  'auto-response',
  'autoresponse',
  'automatic response',
  'away from the office',
  'vacation reply',
  // de
  'abwesenheitsnotiz',
  'automatische abwesenheitsnotiz',
  'automatische antwort',
  // fr
  'réponse automatique',
  'reponse automatique',
  'absent du bureau',
  'absence du bureau',
  "message d'absence",
  // es
  'respuesta automática',
  'respuesta automatica',
  'fuera de la oficina',
  'fuera de oficina',
  // pt
  'resposta automática',
  'resposta automatica',
  'fora do escritório',
  'ausente do escritório',
  // it
  'risposta automatica',
  'fuori ufficio',
  // nl
  'automatisch antwoord',
  'afwezigheidsbericht',
  'buiten kantoor',
  // sv, da, pl
  'automatiskt svar',
  'automatisk svar',
  'automatyczna odpowiedź',
];

// Non-delivery report subjects, under the same start-plus-separator rule ("Undeliverable: Re: …"
// is a bounce, "Undeliverable parcel" is a ticket).
const BOUNCE_PHRASES = [
  // en
  'undeliverable',
  'delivery status notification',
  'mail delivery failed',
  'mail delivery failure',
  'message delivery failure',
  'delivery failure',
  'delivery failed',
  'delivery has failed',
  'failure notice',
  'returned mail',
  'mail system error',
  'message not delivered',
  'non-deliverable',
  'nondeliverable',
  // de
  'unzustellbar',
  'nicht zustellbar',
  'zustellung fehlgeschlagen',
  'fehler bei der zustellung',
  // fr
  'non remis',
  'non distribuable',
  'échec de la remise',
  'echec de la remise',
  'échec de remise',
  // es
  'no se puede entregar',
  'no se pudo entregar',
  'no entregado',
  'error de entrega',
  // pt
  'não entregue',
  'nao entregue',
  'falha na entrega',
  'não é possível entregar',
  // it
  'non recapitabile',
  'impossibile recapitare',
  'mancato recapito',
  // nl
  'onbestelbaar',
  'niet bezorgd',
  'kan niet worden bezorgd',
  'niet afgeleverd',
];

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

// Whole MTA subject lines, unambiguous enough to match as a plain prefix (Postfix, sendmail).
const BOUNCE_SENTENCES = ['undelivered mail returned to sender', 'warning: could not send message'];

const SEPARATOR_AHEAD = '(?=\\s*(?:[:：\\-–—(\\[]|$))';

// Longest first, so the reason names the most specific phrase.
const byLength = (a: string, b: string) => b.length - a.length;
const AUTO_REPLY_AT_START = [...AUTO_REPLY_PHRASES].sort(byLength).map((phrase) => ({
  phrase,
  pattern: new RegExp(`^${escapeRegExp(phrase)}${SEPARATOR_AHEAD}`),
}));
const AUTO_REPLY_BRACKETED = [...AUTO_REPLY_PHRASES].sort(byLength).map((phrase) => ({
  phrase,
  pattern: new RegExp(`[(\\[]\\s*${escapeRegExp(phrase)}\\s*[)\\]]`),
}));
const BOUNCE_AT_START = [...BOUNCE_PHRASES].sort(byLength).map((phrase) => ({
  phrase,
  pattern: new RegExp(`^${escapeRegExp(phrase)}${SEPARATOR_AHEAD}`),
}));

export function automatedSubjectPhrase(subject: string): string | null {
  const normalized = subject
    .normalize('NFC')
    .toLowerCase()
    .replace(/[\s\u00a0]+/g, ' ')
    .trim()
    .replace(SUBJECT_PREFIXES, '');
  for (const sentence of BOUNCE_SENTENCES) {
    if (normalized.startsWith(sentence)) return sentence;
  }
  for (const { phrase, pattern } of BOUNCE_AT_START) {
    if (pattern.test(normalized)) return phrase;
  }
  for (const { phrase, pattern } of AUTO_REPLY_AT_START) {
    if (pattern.test(normalized)) return phrase;
  }
  for (const { phrase, pattern } of AUTO_REPLY_BRACKETED) {
    if (pattern.test(normalized)) return phrase;
  }
  return null;
}

function isOwnGroupListId(listId: string, supportAddress: string | undefined): boolean {
  if (!supportAddress) return false;
  const at = supportAddress.lastIndexOf('@');
  if (at <= 0) return false;
  // Google Groups writes List-Id as <local.domain>.
  const groupId = `${supportAddress.slice(0, at)}.${supportAddress.slice(at + 1)}`.toLowerCase();
  return listId.toLowerCase().includes(`<${groupId}>`);
}

/**
 * Decides whether a message was sent by a machine (auto-reply, bounce, list or bulk mail) rather
 * than a person, so intake does not open tickets for it or, worse, answer it and start a loop.
 * Checks run from the most to the least specific signal; the first one found is the reason.
 */
export function detectAutomated(signals: AutomationSignals): AutomationVerdict {
  const { headers } = signals;
  const contentType = leadingToken(
    signals.contentType ?? headerValues(headers, 'content-type')[0] ?? '',
  );
  if (contentType === 'multipart/report') return verdict('multipart/report');

  for (const value of headerValues(headers, 'auto-submitted')) {
    const token = leadingToken(value);
    if (token !== '' && token !== 'no') return verdict(`auto-submitted: ${token}`);
  }

  for (const name of AUTOREPLY_HEADERS) {
    for (const value of headerValues(headers, name)) {
      if (!NEGATIVE.has(leadingToken(value))) return verdict(`${name}: ${value.trim()}`);
    }
  }

  for (const value of headerValues(headers, 'x-auto-response-suppress')) {
    const token = leadingToken(value);
    if (!NEGATIVE.has(token)) return verdict(`x-auto-response-suppress: ${value.trim()}`);
  }

  for (const value of headerValues(headers, 'precedence')) {
    const token = leadingToken(value);
    if (BULK_PRECEDENCE.has(token)) return verdict(`precedence: ${token}`);
  }

  for (const value of headerValues(headers, 'return-path')) {
    if (value.replace(/\s+/g, '') === '<>') return verdict('return-path: <>');
  }

  if (headerValues(headers, 'x-failed-recipients').length > 0) {
    return verdict('x-failed-recipients');
  }

  const from = signals.fromAddress?.trim() ?? '';
  const local = from.includes('@') ? from.slice(0, from.lastIndexOf('@')) : from;
  const role = local.match(ROLE_LOCAL_PART);
  if (role?.[2]) return verdict(`from: ${role[2].toLowerCase()}`);

  for (const value of headerValues(headers, 'list-id')) {
    if (!isOwnGroupListId(value, signals.supportAddress)) {
      return verdict(`list-id: ${value.trim().slice(0, MAX_REASON_VALUE)}`);
    }
  }
  if (headerValues(headers, 'list-unsubscribe').length > 0) {
    // A group that is our own support address may still add List-Unsubscribe; it always adds
    // List-Id too, so only a bare List-Unsubscribe (or one next to a foreign List-Id) counts.
    const ownGroup = headerValues(headers, 'list-id').some((id) =>
      isOwnGroupListId(id, signals.supportAddress),
    );
    if (!ownGroup) return verdict('list-unsubscribe');
  }

  const phrase = automatedSubjectPhrase(signals.subject);
  if (phrase !== null) return verdict(`subject: ${phrase}`);

  return { automated: false, reason: null };
}
