/**
 * Language detection on customer text, short text included.
 *
 * ELD (Efficient Language Detector: byte 4-gram profiles of 60 languages, pure JS, Apache-2.0) is
 * the detector: one-line subjects and chat-style questions are what tickets mostly are, and
 * franc's trigram profiles need more text than they get. Measured on public short text in
 * ../shared (test/pipeline/language.test.ts), candidates en/de/es/fr/pt, unsure counted as the
 * English default — CLINC150 test + out-of-scope test (5,500 English utterances) / bitext (4,514
 * English customer questions) / the multilingual tickets' 1,041 subject lines / their first body
 * sentences: franc with function-word votes misread 0.31 % / 0.44 % / 24.3 % / 8.7 %; ELD's small
 * profile 0.11 % / 0.24 % / 3.0 % / 0 %.
 *
 * The profile is read on first use rather than by every process that imports this module (the web
 * server rarely detects), into a compact copy of the detectable languages only (~3 MB instead of
 * the ~47 MB of heap `eld/small`'s object literal holds): see language-ngrams.ts.
 */
import { loadNgramScorer, type NgramScorer } from './language-ngrams.js';

let loading: Promise<NgramScorer> | null = null;
function detector(): Promise<NgramScorer> {
  loading ??= loadNgramScorer(DETECTABLE_LANGUAGES);
  return loading;
}

/**
 * The languages detection chooses among when the caller does not restrict it: those support teams
 * most often serve (ISO 639-1, every one of them in ELD's profiles).
 */
export const DETECTABLE_LANGUAGES = [
  'en',
  'de',
  'fr',
  'es',
  'pt',
  'it',
  'nl',
  'pl',
  'sv',
  'da',
  'no',
  'fi',
  'cs',
  'tr',
  'ru',
  'uk',
  'ja',
  'ko',
  'zh',
  'ar',
  'he',
  'hi',
  'el',
  'ro',
  'hu',
] as const;
const detectable = new Set<string>(DETECTABLE_LANGUAGES);

export interface LanguageGuess {
  language: string | null;
  /**
   * The reading's lead over the runner-up among the candidates, relative to its own score (0–1):
   * a one-word or mixed-language text scores near 0.
   */
  margin: number;
  /** The same lead over each other candidate: how sure the text is not in that language. */
  leads: Record<string, number>;
}

/**
 * Below this (length-scaled) lead the reading is not used: callers fall back to what they know.
 * Chosen on the four public sets above together, not on one: raising it to 0.05 sends more
 * non-English subjects to the English default than it saves English questions from a misreading;
 * lowering it to 0 lets one-word readings through.
 */
export const LANGUAGE_MIN_MARGIN = 0.02;

/**
 * A reading at least this sure is clear enough to record as the ticket's language (triage) and to
 * outweigh the requester's earlier language (the reply language); below it, what the requester
 * wrote in before is the better guess ("Surface Pro 7 Problem" from someone who wrote German last
 * time). About the lower quartile of correct readings of one-line ticket subjects.
 */
export const LANGUAGE_CLEAR_MARGIN = 0.1;

/** Fewer letters than this say nothing about a language ("ok?", "refund?", "10-4"). */
const MIN_LETTERS = 12;

const unsure: LanguageGuess = { language: null, margin: 0, leads: {} };

/**
 * Reads the language of customer text among `only` (ISO 639-1; default: DETECTABLE_LANGUAGES).
 * Restricting the candidates to the languages a deployment replies in is what makes short text
 * workable: "Urgent DNS Resolution Issue" is French or English, never Catalan.
 */
export async function guessLanguage(
  text: string,
  only?: readonly string[],
): Promise<LanguageGuess> {
  const sample = text.slice(0, 1_000);
  const letters = sample.match(/\p{L}/gu)?.length ?? 0;
  if (letters < MIN_LETTERS) return unsure;
  const candidates = only?.length ? only.filter((l) => detectable.has(l)) : DETECTABLE_LANGUAGES;
  if (candidates.length === 0) return unsure;
  if (candidates.length === 1) return { language: candidates[0]!, margin: 1, leads: {} };
  const scores = (await detector()).scores(sample);
  const ranked = candidates
    .map((l) => ({ l, score: Object.hasOwn(scores, l) ? scores[l]! : 0 }))
    .sort((a, b) => b.score - a.score);
  const [first, second] = ranked;
  if (!first || first.score <= 0) return unsure;
  // Scores are averages over the text's n-grams: on a paragraph, close languages (Spanish and
  // Portuguese) stay a few per cent apart even when the reading is certain. The lead is scaled
  // by length so that a 400-letter text's 0.01 counts as much as a one-liner's 0.1.
  const scale = Math.min(10, Math.max(1, letters / 40));
  const lead = (score: number) => Math.min(1, ((first.score - score) / first.score) * scale);
  return {
    language: first.l,
    margin: lead(second?.score ?? 0),
    leads: Object.fromEntries(ranked.slice(1).map((r) => [r.l, lead(r.score)])),
  };
}

/**
 * The language of customer text, or null when unsure (too short, or no clear lead): callers fall
 * back to what they know (the helpdesk's field, the requester's earlier language, the default).
 */
export async function detectLanguage(
  text: string,
  only?: readonly string[],
  minMargin = LANGUAGE_MIN_MARGIN,
): Promise<string | null> {
  const guess = await guessLanguage(text, only);
  return guess.margin >= minMargin ? guess.language : null;
}
