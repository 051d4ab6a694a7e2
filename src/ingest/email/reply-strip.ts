import EmailReplyParser from 'email-reply-parser';
import { normalizeNewlines } from './text.js';

// Quoted-reply stripping uses `email-reply-parser` (Crisp's maintained port of GitHub's
// email_reply_parser: "On … wrote:" in a dozen languages, `>` quotes, "-- " and "Sent from my …"
// signatures). `planer` (a talon port) was the alternative but keeps signatures. What is written
// here only covers what that library does not:
// - ReDoS: without the optional native `re2` (which needs a download or a compiler at install)
//   some of its patterns are polynomial, e.g. /^(.*)[0-9]{4}(.*)from(.*)<(.*)>:$/ takes seconds on
//   one 3 KB line. Input is therefore capped and long lines are set aside before parsing.
// - Outlook-style header blocks ("From: … / Sent: … / To: …", optionally bold "*From:*", after a
//   rule of underscores or dashes) and "-----Original Message-----" in the languages it lacks.

// The reply is at the top; what follows this many characters is quoted history or a long paste,
// and the full text stays available in `text`.
const MAX_INPUT_CHARS = 32_000;
const MAX_INPUT_LINES = 1_500;
// No quote header or signature line is this long; anything longer is body text.
const MAX_PARSED_LINE = 300;

// Labels of a quoted header block ("From: … / Sent: … / To: … / Subject: …"), optionally in bold
// ("*From:*") as Outlook's plain-text rendering of HTML writes them.
// Written without adjacent `\\s*`s: those backtrack quadratically over a long run of spaces.
const label = (names: string) =>
  new RegExp(`^\\s*(?:\\*{1,2}\\s*)?(${names})\\s*(?:\\*{1,2}\\s*)?:`, 'i');
const FROM_LABEL = label('from|von|de|da|van|från|fra|od|от|發件人|发件人');
const SENT_LABEL = label(
  'sent|date|gesendet|datum|envoyé|enviado|fecha|inviato|data|verzonden|skickat|sendt|wysłano|отправлено|дата|发送时间|日期',
);
const SUBJECT_LABEL = label(
  'subject|betreff|objet|asunto|assunto|oggetto|onderwerp|ämne|emne|temat|тема|主题|主題',
);
const OTHER_LABEL = label('to|cc|an|à|para|a|aan|till|til|do|kopie|кому|копия|收件人|抄送');
const RULE = /^\s*[-_=*]{5,}\s*$/;
const ORIGINAL_MESSAGE =
  /^\s*-{2,}\s*(original message|ursprüngliche nachricht|message d'origine|mensaje original|mensagem original|messaggio originale|oorspronkelijk bericht|originalmeddelande|oprindelig meddelelse|opprinnelig melding|wiadomość oryginalna|исходное сообщение|forwarded message|weitergeleitete nachricht|message transféré|mensaje reenviado|mensagem encaminhada|messaggio inoltrato|doorgestuurd bericht)\s*-{2,}\s*$/i;

// The end of an attribution line ("… wrote:", "… a écrit :", "… написал:", "… <a@b.c>:").
const ATTRIBUTION_END =
  /((wrote|écrit|escribió|scritto|escreveu|schrieb|schreef|napisał(\(a\))?|pisze|skrev|kirjoitti|написал(\(а\)|а)?|написа|yazdı|写道|のメッセージ|작성)|@[^\s<>@]+>)\s*[:：]\s*$/i;
// A wrapped attribution is followed upwards (two lines at most) only over lines that look like
// its start (an opener word, a numeric date) or that were broken after "<", so the reply's own
// last sentence stays.
const ATTRIBUTION_START =
  /^\s*((on|le|el|il|em|am|op|w dniu|dnia|den|pe|ср|в)\s|\d{1,4}[./-]\d{1,2}[./-]\d{1,4})|<\s*$/i;

function isQuoted(line: string): boolean {
  return /^\s*>/.test(line);
}

/**
 * After an attribution: only quoted lines follow, up to the end or to a footer rule. Inline and
 * bottom-posted answers (text after the quote) are left to the library, which keeps them.
 */
function onlyQuoteFollows(lines: readonly string[], index: number): boolean {
  let sawQuote = false;
  for (let j = index + 1; j < lines.length; j++) {
    const line = lines[j] ?? '';
    if (line.trim() === '') continue;
    if (isQuoted(line)) {
      sawQuote = true;
      continue;
    }
    return sawQuote && (RULE.test(line) || /^--\s?$/.test(line));
  }
  return sawQuote;
}

function isHeaderLabel(line: string): boolean {
  return (
    FROM_LABEL.test(line) ||
    SENT_LABEL.test(line) ||
    SUBJECT_LABEL.test(line) ||
    OTHER_LABEL.test(line)
  );
}

/**
 * A run of consecutive header lines with a sender and a date, and a subject or an address:
 * "From: London / To: Paris / Date: 12 May" in a customer's itinerary is not one.
 */
function isHeaderBlock(lines: readonly string[], index: number): boolean {
  let from = false;
  let sent = false;
  let subject = false;
  let address = false;
  for (let j = index; j < lines.length && j < index + 8; j++) {
    const line = lines[j] ?? '';
    if (!isHeaderLabel(line)) break;
    from ||= FROM_LABEL.test(line);
    sent ||= SENT_LABEL.test(line);
    subject ||= SUBJECT_LABEL.test(line);
    address ||= line.includes('@');
  }
  return from && sent && (subject || address);
}

/** Index where quoted history starts, for the shapes the library misses; null if none. */
function findQuoteStart(lines: readonly string[]): number | null {
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    if (isQuoted(line)) continue;
    if (ORIGINAL_MESSAGE.test(line)) return i;
    if (ATTRIBUTION_END.test(line) && onlyQuoteFollows(lines, i)) {
      let start = i;
      while (start > i - 2 && start > 0) {
        const previous = lines[start - 1] ?? '';
        if (isQuoted(previous) || !ATTRIBUTION_START.test(previous)) break;
        start--;
      }
      return start;
    }
    if (!isHeaderBlock(lines, i)) continue;
    let start = i;
    for (let k = i - 1; k >= 0; k--) {
      const previous = lines[k] ?? '';
      if (previous.trim() === '') continue;
      if (RULE.test(previous) || ORIGINAL_MESSAGE.test(previous)) start = k;
      break;
    }
    return start;
  }
  return null;
}

// Private-use sentinels around the index of a set-aside line; chosen so no library pattern can
// match them, and restored after parsing.
const OPEN = '\uE000';
const CLOSE = '\uE001';

function runLibrary(text: string): string {
  const shelved: string[] = [];
  const guarded = text
    .split('\n')
    .map((line) => {
      if (line.length <= MAX_PARSED_LINE) return line;
      const prefix = line.match(/^[>\s]*/)?.[0] ?? '';
      shelved.push(line.slice(prefix.length));
      return `${prefix}${OPEN}${shelved.length - 1}${CLOSE}`;
    })
    .join('\n');
  const visible = new EmailReplyParser().read(guarded).getVisibleText();
  if (shelved.length === 0) return visible;
  return visible.replace(
    new RegExp(`${OPEN}(\\d+)${CLOSE}`, 'g'),
    (match, index: string) => shelved[Number(index)] ?? match,
  );
}

function tidy(text: string): string {
  return text.replace(/\n(?:[ \t]*\n){2,}/g, '\n\n').trim();
}

/**
 * The new part of a reply: quoted earlier messages, quote headers ("On … wrote:", Outlook
 * "From:/Sent:" blocks) and signatures removed. When nothing would be left (a bare forward, a
 * message that is all quote) the whole text is returned instead: an agent needs something to read.
 */
export function stripQuotedReply(raw: string): string {
  // Leading blank space says nothing; skipping it (one linear scan) keeps the cap below on text
  // someone wrote, so a whitespace flood cannot push the message itself out of reach.
  const start = raw.search(/\S/);
  const text = start > 0 ? raw.slice(start) : raw;
  // Only the head is ever looked at: normalising all of a 16 MB body first would be wasted work.
  const full = normalizeNewlines(
    text.length > MAX_INPUT_CHARS + 1 ? text.slice(0, MAX_INPUT_CHARS + 1) : text,
  );
  let head = full.length > MAX_INPUT_CHARS ? full.slice(0, MAX_INPUT_CHARS) : full;
  let lines = head.split('\n');
  if (lines.length > MAX_INPUT_LINES) lines = lines.slice(0, MAX_INPUT_LINES);
  const block = findQuoteStart(lines);
  if (block !== null) lines = lines.slice(0, block);
  head = lines.join('\n');

  let visible: string;
  try {
    visible = runLibrary(head);
  } catch {
    visible = head;
  }
  const stripped = tidy(visible);
  // The fallback is capped too: it feeds triage and redaction, and the full original is stored
  // beside it (`text`), so nothing is lost by keeping this to the part anyone reads.
  return stripped.length > 0 ? stripped : tidy(full.slice(0, MAX_INPUT_CHARS));
}
