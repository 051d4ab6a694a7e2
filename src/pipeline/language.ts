import { francAll } from 'franc';

/** ISO 639-3 (franc) → ISO 639-1 for the languages support teams most often serve. */
const iso1: Record<string, string> = {
  eng: 'en',
  deu: 'de',
  fra: 'fr',
  spa: 'es',
  por: 'pt',
  ita: 'it',
  nld: 'nl',
  pol: 'pl',
  swe: 'sv',
  dan: 'da',
  nob: 'no',
  fin: 'fi',
  ces: 'cs',
  tur: 'tr',
  rus: 'ru',
  ukr: 'uk',
  jpn: 'ja',
  kor: 'ko',
  cmn: 'zh',
  arb: 'ar',
  heb: 'he',
  hin: 'hi',
  ell: 'el',
  ron: 'ro',
  hun: 'hu',
};
const iso3 = Object.fromEntries(Object.entries(iso1).map(([three, one]) => [one, three]));
// Lookups by outside strings go through own properties only ("constructor" is not a language).
const own = <T>(table: Record<string, T>, key: string): T | undefined =>
  Object.hasOwn(table, key) ? table[key] : undefined;

/**
 * The most frequent function words of the languages drafts are written in. franc's trigram
 * profiles need more text than a one-line question gives (on CLINC150's English utterances, ~40
 * characters, it reads 30 % as another language); function words settle most of those. Hand-kept
 * because no maintained package ships small per-language stop-word lists without a download.
 */
const FUNCTION_WORDS: Record<string, string> = {
  en: 'the a an and or of to in on for with is are was were be been it this that my your i you we me do does did can could would will how what why when where which who not no have has had please thanks there their from at by about',
  de: 'der die das des dem den und oder ist sind war ein eine einen einem nicht ich sie wir mein meine ihr ihre mit für auf von zu im bei wie was warum wann wo kann können habe hat haben bitte danke noch auch',
  fr: 'le la les un une des et ou est sont était je vous nous mon ma mes votre vos pour avec sur dans de du au aux ne pas comment quoi pourquoi quand où peux pouvez ai avez merci qui que',
  es: 'el la los las un una unos y o es son era yo usted nosotros mi mis su sus para con en de del al no cómo como qué por porque cuándo dónde puedo puede tengo tiene gracias que',
  pt: 'o a os as um uma e ou é são era eu você nós meu minha seu sua para com em de do da no na não como que por porque quando onde posso pode tenho tem obrigado obrigada',
  it: 'il lo la gli le un una e o è sono era io lei noi mio mia suo sua per con in di del della non come cosa perché quando dove posso può ho ha grazie che',
  nl: 'de het een en of is zijn was ik u je wij mijn uw jouw voor met op in van niet hoe wat waarom wanneer waar kan kunt heb heeft bedankt dat die',
};
const functionWords = Object.fromEntries(
  Object.entries(FUNCTION_WORDS).map(([l, words]) => [l, new Set(words.split(' '))]),
);

function functionWordVote(text: string, candidates: readonly string[]): LanguageGuess | null {
  const words = text.toLowerCase().match(/\p{L}+/gu) ?? [];
  const counts = candidates
    .filter((l) => own(functionWords, l))
    .map((l) => ({ l, n: words.filter((w) => own(functionWords, l)!.has(w)).length }))
    .sort((a, b) => b.n - a.n);
  const [first, second] = counts;
  if (!first || first.n < 2 || first.n - (second?.n ?? 0) < 2) return null;
  // Words the two lists share (Spanish and Portuguese "de", "que", "para") say nothing about which
  // of the two it is: the lead and the margin count the words only one of them has.
  const a = own(functionWords, first.l)!;
  const b = second ? own(functionWords, second.l)! : new Set<string>();
  const onlyFirst = words.filter((w) => a.has(w) && !b.has(w)).length;
  const onlySecond = words.filter((w) => b.has(w) && !a.has(w)).length;
  if (onlyFirst - onlySecond < 2) return null;
  return { language: first.l, margin: (onlyFirst - onlySecond) / onlyFirst };
}

export interface LanguageGuess {
  language: string | null;
  /** The detector's lead over the runner-up, 0–1; short or mixed text scores low. */
  margin: number;
}

/** Below this lead over the runner-up, franc's answer on short text is a coin toss (measured). */
export const LANGUAGE_MIN_MARGIN = 0.2;

/**
 * Detects the language of customer text among `only` (ISO 639-1; default: every language above).
 * Restricting the candidates avoids franc's classic confusions on short text (English read as
 * Scots, or as Italian when only a few languages are in play), and the margin tells a guess from a
 * reading.
 */
export function guessLanguage(text: string, only?: readonly string[]): LanguageGuess {
  const sample = text.slice(0, 2_000);
  if (sample.replace(/\s+/g, '').length < 12) return { language: null, margin: 0 };
  const candidates = (
    only?.length ? only.map((l) => own(iso3, l)).filter(Boolean) : Object.keys(iso1)
  ) as string[];
  if (candidates.length === 1) return { language: own(iso1, candidates[0]!) ?? null, margin: 1 };
  const candidates1 = candidates.map((c) => own(iso1, c)!);
  const vote = functionWordVote(sample.slice(0, 400), candidates1);
  // Function words decide when they clearly can; otherwise franc's trigrams. On long text franc's
  // runner-up scores close to its winner even when the winner is right, so its lead is rescaled
  // by length: 0.02 at 400+ characters counts as much as 0.2 on a one-liner.
  if (vote) return vote;
  const ranked = francAll(sample, { only: candidates, minLength: 12 });
  const [first, second] = ranked;
  if (!first || first[0] === 'und') return { language: null, margin: 0 };
  const language = own(iso1, first[0]) ?? null;
  // On short text franc's trigrams misread plain English ("i want a new insurance plan" as
  // French): a reading with none of its language's function words, where another candidate's
  // function words are present, is not a reading.
  if (language && sample.length < 200 && own(functionWords, language)) {
    const words = sample.toLowerCase().match(/\p{L}+/gu) ?? [];
    const hits = (l: string) => words.filter((w) => own(functionWords, l)?.has(w)).length;
    if (hits(language) === 0 && candidates1.some((l) => l !== language && hits(l) > 0)) {
      return { language: null, margin: 0 };
    }
  }
  const lead = 1 - (second?.[1] ?? 0);
  const scale = Math.max(1, Math.min(10, sample.length / 40));
  return { language, margin: Math.min(1, lead * scale) };
}

/**
 * The language of customer text, or null when unsure (too short, or no clear lead): callers fall
 * back to what they know (the helpdesk's field, the requester's earlier language, the default).
 */
export function detectLanguage(text: string, only?: readonly string[]): string | null {
  const guess = guessLanguage(text, only);
  return guess.margin >= LANGUAGE_MIN_MARGIN ? guess.language : null;
}
