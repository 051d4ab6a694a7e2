import { type CountryCode, parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { type Candidate, MASK } from './detectors.js';

/**
 * Phone numbers, validated by libphonenumber (Google's metadata; the full "max" set, so validity
 * is checked per number type and not just by length).
 *
 * We cut candidates ourselves instead of using libphonenumber's text matcher: the matcher reads
 * "+49 171 2345678 2024-03-15" as one candidate and reports nothing, and it runs once per region
 * over the whole text, which on digit-heavy input (CSV pastes, log dumps) costs seconds. Here a
 * run of phone characters is split at spaces, and from each token that can begin a number the
 * longest group of up to six tokens that parses as a valid number wins.
 *
 * Validity alone is too eager for support text: with a German default region "2024-03-15" and
 * "4711-0815-22" are valid numbers. A national-format number is kept only when a phone word is
 * near it ("Tel.", "call me", "Handy", "teléfono"…), or it is written the way people write phone
 * numbers (trunk prefix "0…", North American "(415) 555-2671"), and never right after "order",
 * "invoice", "#"… or when it is shaped like a date. International numbers (+49…, 0049…) are kept.
 */

export const DEFAULT_PHONE_REGIONS: readonly CountryCode[] = [
  'US',
  'GB',
  'DE',
  'FR',
  'ES',
  'IT',
  'NL',
];

/**
 * Parse attempts per call. A ticket needs a few dozen; past this (a pasted table of numbers) the
 * remaining candidates are judged by shape alone, which over-redacts rather than leaking.
 */
const PARSE_BUDGET = 4_000;
const MAX_TOKENS = 6;

const PHONE_RUN = /(?<![\p{L}\p{N}+])(?:\+|\()?\d[\d ()./-]*\d\)?/gu;
const PHONE_WORDS =
  /(?<![\p{L}])(?:tel|tél|phone|telephone|call|ring|mobile|cell|fax|whats ?app|sms|text me|reach me|telefon|handy|mobil|rufnummer|festnetz|anruf|erreichbar|teléfono|telefono|móvil|movil|celular|llám|llam|fijo|portable|appel|joindre|cellulare|chiam|telefoon|bellen)/iu;
const REFERENCE_BEFORE =
  /(?:(?<![\p{L}])(?:order|bestell\p{L}*|pedido|commande|ordine|invoice|rechnung|factura|facture|fattura|ticket|ref(?:erence|erenz|erencia)?|tracking|sendung\p{L}*|sku|artikel\p{L}*|art|kunden\p{L}*|customer|account|konto|plz|zip|postcode|version|id|nr|no|núm|num)\.?\s*(?:no\.?|nr\.?|number|nummer|número|numero|id)?\s*[:#.]?\s*|#\s*)$/iu;
const DATE_LIKE = /^(?:\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4})$/;
const TIME_LIKE = /^\d{1,2}[:.]\d{2}(?:[:.]\d{2})?$/;
const NANP_FORMAT = /^\(?\d{3}\)?[\s.-]\d{3}[\s.-]\d{4}$/;

interface Token {
  start: number;
  end: number;
}

export function detectPhones(text: string, regions: readonly CountryCode[]): Candidate[] {
  const out: Candidate[] = [];
  const budget = { parses: PARSE_BUDGET };
  for (const run of text.matchAll(PHONE_RUN)) {
    const tokens: Token[] = [...run[0].matchAll(/\S+/g)].map((t) => ({
      start: run.index + t.index,
      end: run.index + t.index + t[0].length,
    }));
    // A number with no format of its own ("612 34 56 78") needs a phone word right before it.
    const nearPhoneWord = PHONE_WORDS.test(lastWords(lineBefore(text, run.index)));
    let i = 0;
    while (i < tokens.length) {
      const found = longestNumberFrom(text, tokens, i, regions, nearPhoneWord, budget);
      if (found) {
        out.push(found.candidate);
        i = found.next;
      } else {
        i++;
      }
    }
  }
  return out;
}

function longestNumberFrom(
  text: string,
  tokens: readonly Token[],
  i: number,
  regions: readonly CountryCode[],
  nearPhoneWord: boolean,
  budget: { parses: number },
): { candidate: Candidate; next: number } | null {
  const first = tokens[i];
  if (!first) return null;
  const head = text.slice(first.start, first.end);
  const international = head.startsWith('+') || head.startsWith('00');
  const trunk = /^\(?0[1-9]/.test(head);
  const nanp = /^\(?\d{3}\)?$/.test(head) || /^\d{3}[-.]\d{3}[-.]\d{4}$/.test(head);
  if (!international && !trunk && !nanp && !(nearPhoneWord && i === 0)) return null;

  for (let j = Math.min(tokens.length - 1, i + MAX_TOKENS - 1); j >= i; j--) {
    const end = tokens[j]?.end ?? first.end;
    const raw = text.slice(first.start, end).replace(/[^\d)]+$/, '');
    const digits = raw.replace(/\D/g, '').length;
    if (digits < 6 || digits > 17) continue;
    const regionTries: (CountryCode | undefined)[] = international ? [undefined] : [...regions];
    for (const region of regionTries) {
      const rawEnd = first.start + raw.length;
      if (!plausiblePhone(text, first.start, rawEnd, region)) continue;
      if (budget.parses <= 0) {
        // Out of budget: shape alone decides (see PARSE_BUDGET).
        if ((international || trunk) && digits >= 8 && digits <= 15) {
          return {
            candidate: { kind: 'phone', start: first.start, end: rawEnd, key: raw },
            next: j + 1,
          };
        }
        continue;
      }
      budget.parses--;
      const parsable = head.startsWith('00') ? `+${raw.slice(2)}` : raw;
      const number = parsePhoneNumberFromString(parsable, region);
      if (number?.isValid()) {
        return {
          candidate: { kind: 'phone', start: first.start, end: rawEnd, key: number.number },
          next: j + 1,
        };
      }
    }
  }
  return null;
}

/** Up to 40 characters before `index` on the same line, not reaching back past claimed text. */
function lineBefore(text: string, index: number): string {
  const line =
    text
      .slice(Math.max(0, index - 40), index)
      .split('\n')
      .at(-1) ?? '';
  return line.split(MASK).at(-1) ?? '';
}

function lastWords(line: string): string {
  return /(?:\S+\s*){0,3}$/u.exec(line)?.[0] ?? '';
}

function plausiblePhone(
  text: string,
  start: number,
  end: number,
  region: CountryCode | undefined,
): boolean {
  const raw = text.slice(start, end);
  if (/^(?:\+|00)/.test(raw)) return true;
  if (region === undefined) return false;
  const bare = raw.replace(/^\(|\)$/g, '');
  if (DATE_LIKE.test(bare) || TIME_LIKE.test(bare)) return false;
  const line = lineBefore(text, start);
  // The words right before the number decide first: "Mobile number: …" vs "Order no. …".
  if (PHONE_WORDS.test(lastWords(line))) return true;
  if (REFERENCE_BEFORE.test(line)) return false;
  if (PHONE_WORDS.test(line)) return true;
  if ((region === 'US' || region === 'CA') && NANP_FORMAT.test(raw)) return true;
  if (!/^\(?0[1-9]/.test(raw)) return false;
  return /[\s./()-]/.test(raw) || raw.replace(/\D/g, '').length >= 10;
}
