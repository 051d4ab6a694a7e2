import type { Config } from '../config/index.js';
import { type EnglishWords, SPELLING_LANGUAGE, spellingFor } from '../kb/spelling.js';
import { guessLanguage, LANGUAGE_CLEAR_MARGIN } from './language.js';

/**
 * The dictionary a knowledge-base query's spelling is corrected with (`SearchOptions.spelling`),
 * or null to search it as written: with KB_SPELLING=off; when `language` (the draft's reply
 * language, when the caller has one) is not the dictionary's; and when `text` reads clearly as
 * another language — its best reading among every detectable language leads English by
 * LANGUAGE_CLEAR_MARGIN, the margin that already tells "clearly not the default language" in
 * reply-language.ts. The KB's languages do not restrict this reading: on an English-only KB a
 * German ticket's "geht" is still no misspelling of "get". On the eval:drafts sets' questions it
 * flags 1 of 1,147 English ones ("open cnn websiteo") and 324 of 328 in German, Spanish, French or
 * Portuguese (the misses are subject lines such as "MacBook Air M1 Power Problem").
 */
export async function querySpelling(
  config: Pick<Config, 'KB_SPELLING'>,
  text: string,
  language?: string,
): Promise<EnglishWords | null> {
  const dictionary = spellingFor(config.KB_SPELLING);
  if (!dictionary || (language !== undefined && language !== SPELLING_LANGUAGE)) return null;
  const guess = await guessLanguage(text);
  const elsewhere =
    guess.language !== null &&
    guess.language !== SPELLING_LANGUAGE &&
    (guess.leads[SPELLING_LANGUAGE] ?? 0) >= LANGUAGE_CLEAR_MARGIN;
  return elsewhere ? null : dictionary;
}
