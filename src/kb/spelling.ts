import { sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { queryRows } from '../db/queries/kb.js';
import { perKbState } from './kb-state.js';
import { baseForms, type Thesaurus, thesaurusFor, unlistedEnglishWords } from './synonyms.js';

/**
 * Query spelling correction against the knowledge base's own words. Customers misspell ("cacount",
 * "infomation"); a misspelt word matches no posting and no hashed-vector feature of the article it
 * is about, and reads as a word the KB never uses — the confidence's clearest sign of an off-topic
 * question. Over the bitext and ticket sets, 687 of 4,925 unknown words of answerable questions
 * are one edit from a KB word and not English words, against 64 of 2,682 of off-topic ones.
 *
 * A query word is replaced when (a) the KB never uses it, in any language, (b) it is not an English
 * word (WordNet, any inflection: a real word the KB lacks is a word the KB lacks, not a typo of one)
 * and (c) one of the KB's English words is the best within one edit (Damerau: a transposition is
 * one edit) — the one in most chunks when several are, none when those tie. Words under `MIN_LENGTH` letters are left alone:
 * at three letters most words are one edit from several others.
 *
 * Candidates are generated at lookup (every word one edit away, over the vocabulary's own
 * letters: a few hundred set lookups for a word, microseconds) rather than by a symmetric-delete
 * index (SymSpell), which would hold every deletion of every KB word — several hundred thousand
 * strings on a multilingual KB of a thousand articles — for the same one-edit answer. No library:
 * Hunspell-style checkers bring a dictionary of their own rather than the KB's words, and a
 * SymSpell port would be the index this does without; the lookup is twenty lines.
 */

const MIN_LENGTH = 4;
/** Letters of fewer KB words than this are not tried in edits (a stray letter in one ticket). */
const MIN_LETTER_WORDS = 3;

/** What tells a misspelling from a real English word the KB does not use. */
export interface EnglishWords {
  has(word: string): boolean;
}

const dictionaries = new WeakMap<Thesaurus, EnglishWords>();

/** The language of the corrector's dictionary (WordNet): text in another is searched as written. */
export const SPELLING_LANGUAGE = 'en';

/** The dictionary for a `KB_SPELLING` setting (the process's one WordNet), or null when off. */
export function spellingFor(setting: 'on' | 'off'): EnglishWords | null {
  if (setting === 'off') return null;
  return englishWords(thesaurusFor('wordnet')!);
}

/**
 * WordNet's words in any inflection (`baseForms`), and the irregular forms and function words its
 * glosses use ("came", "were"): without those, "came" read as a misspelling of "name".
 */
export function englishWords(thesaurus: Thesaurus): EnglishWords {
  let words = dictionaries.get(thesaurus);
  if (!words) {
    const unlisted = unlistedEnglishWords();
    words = {
      has: (word) =>
        unlisted.has(word) || (/^[a-z]+$/.test(word) && baseForms(thesaurus, word).length > 0),
    };
    dictionaries.set(thesaurus, words);
  }
  return words;
}

export class KbSpelling {
  private readonly alphabet: string[];

  /**
   * `words`: the KB's English words (lower case) with how many chunks use each, what a misspelling
   * is corrected to; `known`: every word of the KB in any language, never corrected ("eine" is
   * one edit from "line", and a German KB's word).
   */
  constructor(
    private readonly words: ReadonlyMap<string, number>,
    private readonly known: ReadonlySet<string> = new Set(words.keys()),
  ) {
    const letters = new Map<string, number>();
    for (const word of words.keys())
      for (const ch of new Set(word)) letters.set(ch, (letters.get(ch) ?? 0) + 1);
    this.alphabet = [...letters].filter(([, n]) => n >= MIN_LETTER_WORDS).map(([ch]) => ch);
  }

  /** The KB word `word` is a misspelling of, or null (the word is fine, or no unique best). */
  suggest(word: string, dictionary: EnglishWords): string | null {
    if (word.length < MIN_LENGTH || this.known.has(word) || this.words.has(word)) return null;
    let best: string | null = null;
    let bestCount = 0;
    let tied = false;
    for (const candidate of this.oneEditAway(word)) {
      const count = this.words.get(candidate);
      if (count === undefined) continue;
      if (count > bestCount) {
        best = candidate;
        bestCount = count;
        tied = false;
      } else if (count === bestCount) tied = true;
    }
    if (!best || tied) return null;
    // Checked last: WordNet's lookups are the costly part, and most unknown words have no candidate.
    if (dictionary.has(word)) return null;
    return best;
  }

  /** Every string one deletion, transposition, substitution or insertion away (distinct). */
  private oneEditAway(word: string): Set<string> {
    const out = new Set<string>();
    for (let i = 0; i <= word.length; i++) {
      const head = word.slice(0, i);
      const rest = word.slice(i);
      if (rest) out.add(head + rest.slice(1));
      if (rest.length > 1) out.add(head + rest[1] + rest[0] + rest.slice(2));
      for (const ch of this.alphabet) {
        if (rest && ch !== rest[0]) out.add(head + ch + rest.slice(1));
        out.add(head + ch + rest);
      }
    }
    out.delete(word);
    return out;
  }

  /**
   * `query` with its misspelt words replaced by the KB's (case, digits and punctuation kept as
   * they were for the rest). Only words written in lower case or capitalised are read: a
   * whitespace-separated token with a capital after a letter (iPhone, PayPal, an all-caps code),
   * a digit, or the punctuation of identifiers (user_id, example.com, a/b, #123) is a name or a
   * code, left as written.
   */
  correct(query: string, dictionary: EnglishWords): string {
    return query.replace(/\S+/gu, (token) => {
      if (looksLikeName(token)) return token;
      // Runs of ASCII letters only: a word with other letters is not English, and "über" must not
      // become "uber" + "ber".
      return token.replace(/\p{L}+/gu, (word) => {
        if (!/^[A-Za-z]+$/.test(word)) return word;
        return this.suggest(word.toLowerCase(), dictionary) ?? word;
      });
    });
  }
}

/** A token's edges that say nothing of it: quotes, brackets, sentence punctuation, emphasis. */
const EDGES = /^["'“”‘’«»([{¿¡*]+|["'“”‘’«»)\]}.,;:!?…*]+$/gu;

/** A name or code rather than a word: see `KbSpelling.correct`. */
function looksLikeName(token: string): boolean {
  const core = token.replace(EDGES, '');
  return /\p{L}\p{Lu}|[\p{N}_@/\\#=:]|\p{L}\.\p{L}/u.test(core);
}

/**
 * The KB's English words and their chunk frequencies: titles, headings and bodies, as Postgres's
 * `simple` configuration splits them (lower case, no stemming), letters only. English only:
 * WordNet is what tells a misspelling from a word, and it has no German or Spanish — on the
 * multilingual ticket answers, inflections and stop words of other languages were "corrected" to
 * the KB's ("kein" → "ein", "necesito" → "necesita").
 */
async function loadKbSpelling(db: Db): Promise<KbSpelling> {
  // ts_stat takes the query as text (a bind parameter here; `where` is one of two constants).
  const stat = (where: string) =>
    queryRows<{ word: string; ndoc: number }>(
      db,
      sql`select word, ndoc from ts_stat(${`
        select to_tsvector('simple', a.title || ' ' || c.section || ' ' || c.text)
        from kb_chunks c join kb_articles a on a.id = c.article_id ${where}`}) where word ~ '^[[:alpha:]]+$'`,
    );
  const [english, all] = await Promise.all([stat("where c.text_config = 'english'"), stat('')]);
  return new KbSpelling(
    new Map(english.filter((r) => /^[a-z]+$/.test(r.word)).map((r) => [r.word, Number(r.ndoc)])),
    new Set(all.map((r) => r.word)),
  );
}

const kbSpelling = perKbState(
  (db: Db, _: undefined) => loadKbSpelling(db),
  new KbSpelling(new Map()),
);

/**
 * `query` with misspellings of the knowledge base's words corrected (above); computed once per KB
 * state, like the draft confidence's baseline. `known`: the KB's signature if the caller read it.
 */
export async function correctQuery(
  db: Db,
  query: string,
  dictionary: EnglishWords,
  known?: string,
): Promise<string> {
  return (await kbSpelling(db, undefined, known)).correct(query, dictionary);
}
